/**
 * What the benchmark scripts share: `--name value` options taken out of argv (what is left is
 * positional: the image), and a ten-row derived table that cross-joined with itself makes
 * 10^n rows in one INSERT … SELECT.
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

module.exports = { option, image, DIGITS };
