-- Schema and fixtures for a CI database; runs once on the primary and replicates everywhere.
CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE TABLE shop.customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note VARCHAR(200) NOT NULL DEFAULT ''
) ENGINE=InnoDB;
