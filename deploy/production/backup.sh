#!/usr/bin/env bash
# Nightly backup of one net247 node (example; adapt the paths). Run as root from a timer or
# cron:   0 2 * * *  /opt/net247/deploy/production/backup.sh
#
# - the database: pg_dump custom format (restore with pg_restore; docs/operations.md);
# - the key directory: private seeds, encrypted with the ministry's backup key (gpg), kept
#   apart from the database dumps;
# - the environment file and the secret key, encrypted likewise.
# Keep at least 14 days; copy off the machine. An unencrypted private key never leaves it.
set -euo pipefail
umask 077

: "${NET247_DB:=net247}"
: "${NET247_BACKUP_DIR:=/var/backups/net247}"
: "${NET247_KEY_DIR:=/var/lib/net247/keys}"
: "${NET247_GPG_RECIPIENT:?set NET247_GPG_RECIPIENT to the backup key id}"
: "${NET247_KEEP_DAYS:=14}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$NET247_BACKUP_DIR"

# A consistent snapshot of the whole database, taken without stopping the node.
dump="$NET247_BACKUP_DIR/net247-$stamp.dump"
sudo -u postgres pg_dump --format=custom --compress=6 \
  --file="$dump.partial" "$NET247_DB"
mv "$dump.partial" "$dump"
# A dump that pg_restore cannot list is not a backup.
pg_restore --list "$dump" >/dev/null

# The audit tree head at backup time: after a restore, compare it with what peers witnessed.
sudo -u postgres psql -d "$NET247_DB" -Atc \
  "SELECT last_seq || ' ' || last_hash FROM audit_audithead WHERE id = 1" \
  >"$NET247_BACKUP_DIR/net247-$stamp.audit-head"
# The same head signed with the node's key (an `audit.checkpoint` to nobody): after a
# restore, `net247-manage audit verify --against FILE` checks the log still extends it.
"$(dirname "$(readlink -f "$0")")/net247-manage" checkpoint export - \
  >"$NET247_BACKUP_DIR/net247-$stamp.audit-checkpoint.json"

tar --create --absolute-names --file=- "$NET247_KEY_DIR" /etc/net247 \
  | gpg --batch --yes --encrypt --recipient "$NET247_GPG_RECIPIENT" \
      --output "$NET247_BACKUP_DIR/net247-keys-$stamp.tar.gpg"

find "$NET247_BACKUP_DIR" -name 'net247-*' -mtime +"$NET247_KEEP_DAYS" -delete
echo "backup $stamp written to $NET247_BACKUP_DIR"
