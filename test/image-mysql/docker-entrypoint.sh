#!/bin/bash
# Entrypoint with the official mysql image's contract:
#   MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD_FILE (the file's content is the password);
#   MYSQL_ROOT_HOST (default %); MYSQL_ALLOW_EMPTY_PASSWORD; MYSQL_RANDOM_ROOT_PASSWORD is not
#   supported; MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD (and _FILE variants);
#   /etc/mysql/conf.d/*.cnf; /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz} on first start;
#   data in /var/lib/mysql, initialised when it holds no mysql/ directory yet.
# Like the official image, the temporary server of the initialisation reads conf.d as it is:
# a super_read_only there makes the initialisation fail here as it does there.
set -eo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%S')" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

env_or_file() { # env_or_file NAME: MYSQL_NAME or the content of the file MYSQL_NAME_FILE names
  local name="MYSQL_$1" f="MYSQL_$1_FILE"
  if [ -n "${!f:-}" ]; then
    [ -r "${!f}" ] || die "$f names ${!f}, which cannot be read"
    cat "${!f}"; return
  fi
  printf '%s' "${!name:-}"
}
sql_escape() { local s="${1//\\/\\\\}"; printf '%s' "${s//\'/\\\'}"; }

if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi
[ "$1" = mysqld ] || exec "$@"

DATADIR=/var/lib/mysql
SOCKET=/var/run/mysqld/mysqld.sock
mkdir -p /var/run/mysqld && chown mysql:mysql /var/run/mysqld "$DATADIR"

if [ ! -d "$DATADIR/mysql" ]; then
  root_password="$(env_or_file ROOT_PASSWORD)"
  root_host="${MYSQL_ROOT_HOST:-%}"
  if [ -z "$root_password" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ]; then
    die "database is uninitialized and no root password is set: set MYSQL_ROOT_PASSWORD(_FILE) or MYSQL_ALLOW_EMPTY_PASSWORD"
  fi
  log "initialising $DATADIR"
  "$@" --initialize-insecure --user=mysql --datadir="$DATADIR" --default-time-zone=SYSTEM
  "$@" --user=mysql --daemonize --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" >/dev/null
  for _ in $(seq 1 60); do
    mysqladmin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mysqladmin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || die "temporary server did not start"

  pw="$(sql_escape "$root_password")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';"
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
  } | mysql --socket="$SOCKET" -uroot --binary-mode

  client=(mysql --socket="$SOCKET" -uroot)
  [ -n "$root_password" ] && export MYSQL_PWD="$root_password"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "running $f"; "${client[@]}" ${db:+"$db"} <"$f" ;;
      *.sql.gz) log "running $f"; gunzip -c "$f" | "${client[@]}" ${db:+"$db"} ;;
      *) [ -e "$f" ] && log "ignoring $f" ;;
    esac
  done
  # The password goes through the environment, never argv, where ps would show it.
  mysqladmin --socket="$SOCKET" -uroot shutdown >/dev/null
  unset MYSQL_PWD
  log "initialisation done"
fi

exec "$@" --user=mysql
