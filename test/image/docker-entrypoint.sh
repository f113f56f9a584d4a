#!/bin/bash
# Entrypoint with the official mariadb/mysql images' contract:
#   MARIADB_ROOT_PASSWORD | MYSQL_ROOT_PASSWORD, or their _FILE variants (the file's content is
#   the password); MARIADB_ROOT_HOST | MYSQL_ROOT_HOST (default %);
#   MARIADB_ALLOW_EMPTY_ROOT_PASSWORD | MYSQL_ALLOW_EMPTY_PASSWORD;
#   MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD (and MYSQL_ spellings, _FILE variants);
#   /etc/mysql/conf.d/*.cnf; /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz} on first start;
#   data in /var/lib/mysql, initialised when it holds no database yet.
set -eo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# env_or_file NAME: the value of MARIADB_NAME / MYSQL_NAME or of the file their _FILE names.
env_or_file() {
  local name v f
  for name in "MARIADB_$1" "MYSQL_$1"; do
    f="${name}_FILE"
    if [ -n "${!f:-}" ]; then
      [ -r "${!f}" ] || die "$f names ${!f}, which cannot be read"
      cat "${!f}"; return
    fi
    v="${!name:-}"
    if [ -n "$v" ]; then printf '%s' "$v"; return; fi
  done
}
sql_escape() { local s="${1//\\/\\\\}"; printf '%s' "${s//\'/\\\'}"; }

if [ "${1:0:1}" = '-' ]; then set -- mariadbd "$@"; fi
case "$1" in mariadbd|mysqld) ;; *) exec "$@" ;; esac

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld "$DATADIR"

if [ ! -d "$DATADIR/mysql" ]; then
  root_password="$(env_or_file ROOT_PASSWORD)"
  root_host="${MARIADB_ROOT_HOST:-${MYSQL_ROOT_HOST:-%}}"
  allow_empty="${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}"
  if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
    die "database is uninitialized and no root password is set: set MARIADB_ROOT_PASSWORD(_FILE) or MYSQL_ROOT_PASSWORD(_FILE)"
  fi
  log "initialising $DATADIR"
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal --skip-log-bin >/dev/null

  # A temporary server without networking or binary log: nothing of the set-up reaches replicas.
  "$@" --user=mysql --skip-networking --skip-log-bin --skip-slave-start --socket="$SOCKET" &
  pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || die "temporary server exited during initialisation"
    sleep 0.5
  done
  mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || die "temporary server did not start"

  pw="$(sql_escape "$root_password")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');"
    echo "DELETE FROM mysql.global_priv WHERE User='';"
    echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1', 'mysql'@'localhost';"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
    echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$pw');"
    if [ "$root_host" != localhost ]; then
      echo "CREATE USER 'root'@'$(sql_escape "$root_host")' IDENTIFIED BY '$pw';"
      echo "GRANT ALL ON *.* TO 'root'@'$(sql_escape "$root_host")' WITH GRANT OPTION;"
    fi
    db="$(env_or_file DATABASE)"; user="$(env_or_file USER)"; upw="$(env_or_file PASSWORD)"
    [ -n "$db" ] && echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
    if [ -n "$user" ]; then
      echo "CREATE USER '$(sql_escape "$user")'@'%' IDENTIFIED BY '$(sql_escape "$upw")';"
      [ -n "$db" ] && echo "GRANT ALL ON \`$db\`.* TO '$(sql_escape "$user")'@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$SOCKET" -uroot --binary-mode

  client=(mariadb --socket="$SOCKET" -uroot)
  [ -n "$root_password" ] && export MYSQL_PWD="$root_password"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; "${client[@]}" ${db:+"$db"} <"$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ${db:+"$db"} ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done
  unset MYSQL_PWD

  # The password goes through the environment, never argv, where ps would show it.
  MYSQL_PWD="$root_password" mariadb-admin --socket="$SOCKET" -uroot shutdown >/dev/null 2>&1 || kill "$pid"
  wait "$pid" || true
  log "initialisation done"
fi

exec "$@" --user=mysql
