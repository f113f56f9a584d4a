/**
 * What the benchmark scripts share: `--name value` options taken out of argv (what is left is
 * positional: the image), a ten-row derived table that cross-joined with itself makes
 * 10^n rows in one INSERT … SELECT, the passwords their topologies read from the environment,
 * and the summary of a measure's runs.
 */
const args = process.argv.slice(2);

function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
}

/** The first positional argument once the options are taken: the image. */
function image(fallback = 'replikit/mariadb:10.11') {
  return args[0] ?? fallback;
}

const DIGITS = '(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

const PASSWORD = 'bench-root-pw';
Object.assign(process.env, { MYSQL_ROOT_PASSWORD: PASSWORD, MYSQL_REPLICATION_PASSWORD: 'bench-repl-pw' });

/** Median (of an even count, the mean of the middle two, rounded), min, max, and every run. */
function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values };
}

module.exports = { option, image, DIGITS, PASSWORD, stats };
