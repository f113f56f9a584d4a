INSERT INTO shop.customers (name, note) VALUES
  ('张三', 'utf8mb4: CJK'),
  ('Zoë', 'a ; inside a string does not end the statement'),
  ('🙂', 'emoji need 4 bytes');
