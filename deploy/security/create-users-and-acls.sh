#!/usr/bin/env bash
# Prepares a Kafka cluster that has SASL/SCRAM and an authorizer for Tunelog: creates the topics and configures
# the workers' share group (tunelog security setup), then gives each user its SCRAM-SHA-512 credential and the
# ACLs of its roles (tunelog security grant; see docs/SECURITY.md for what each role may do).
# usage: create-users-and-acls.sh <users file>
#   users file: one user per line, "<user> <role>[,<role>...] <password file>", '#' starts a comment; a relative
#   password file is read beside the users file. Roles: producer worker scheduler suggestion registry gateway auditor
#   env: KAFKA_BOOTSTRAP_SERVERS; TUNELOG_ADMIN_CONFIG, the client properties of a super user
#        (security.protocol, sasl.*, ssl.truststore.*)
set -euo pipefail
users=${1:?usage: create-users-and-acls.sh <users file>}
: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}" "${TUNELOG_ADMIN_CONFIG:?set TUNELOG_ADMIN_CONFIG to the admin client properties}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tunelog=${TUNELOG:-$root/bin/tunelog}
users_dir="$(cd "$(dirname "$users")" && pwd)"

"$tunelog" security setup --client-config "$TUNELOG_ADMIN_CONFIG"
line=0
while read -r user roles password_file rest || [[ -n ${user:-} ]]; do
  line=$((line + 1))
  [[ -z ${user:-} || $user == \#* ]] && continue
  if [[ -z ${password_file:-} || -n ${rest:-} ]]; then
    echo "create-users-and-acls.sh: $users:$line: expected \"<user> <roles> <password file>\"" >&2
    exit 2
  fi
  [[ $password_file == /* ]] || password_file="$users_dir/$password_file"
  "$tunelog" security grant --client-config "$TUNELOG_ADMIN_CONFIG" --user "$user" --role "$roles" --password-file "$password_file"
done < "$users"
