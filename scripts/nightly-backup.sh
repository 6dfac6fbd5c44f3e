#!/bin/sh
# The nightly backup of an installation (README, "Install for production", step 11): the
# database and every stored file into DIR/creditbank-YYYY-MM-DD.tar.gz, then archives older
# than DAYS days removed. Run it with the installation's settings in the environment.
set -eu
dir=${1:?usage: nightly-backup.sh DIR [DAYS]}
days=${2:-14}
cd "$(dirname "$0")/.."
mkdir -p "$dir"
.venv/bin/flask --app app backup "$dir/creditbank-$(date +%F).tar.gz"
find "$dir" -name 'creditbank-*.tar.gz' -mtime +"$days" -delete
