#!/usr/bin/env bash
# Makes a certificate authority and a broker key pair signed by it, with the JDK's keytool, for a Kafka
# broker that speaks SASL_SSL (and takes its controller connections over mutual TLS):
#   <dir>/ca.p12          the authority's private key: keep it offline
#   <dir>/ca.crt          the authority's certificate (PEM), for clients in other languages
#   <dir>/truststore.p12  the authority's certificate, for Java clients and the broker
#   <dir>/broker.p12      the broker's key and certificate, subject CN=tunelog-broker
# usage: TUNELOG_STORE_PASSWORD=... make-certs.sh <dir> [extra DNS name or IP of the broker ...]
set -euo pipefail
dir=${1:?usage: make-certs.sh <dir> [broker host ...]}
shift
: "${TUNELOG_STORE_PASSWORD:?set TUNELOG_STORE_PASSWORD, the password of the stores made here}"
keytool=${KEYTOOL:-keytool}
san="ip:127.0.0.1,dns:localhost"
for host in "$@"; do
  if [[ $host =~ ^[0-9.]+$ ]]; then san="$san,ip:$host"; else san="$san,dns:$host"; fi
done
mkdir -p "$dir"
cd "$dir"
if [[ -e ca.p12 || -e broker.p12 ]]; then
  echo "make-certs.sh: $dir already holds stores; remove them first" >&2
  exit 2
fi
pass=(-storepass "$TUNELOG_STORE_PASSWORD")
"$keytool" -genkeypair -alias ca -dname "CN=tunelog-ca" -keyalg RSA -keysize 2048 -validity 365 -ext bc:c \
  -keystore ca.p12 -storetype PKCS12 "${pass[@]}"
"$keytool" -exportcert -rfc -alias ca -keystore ca.p12 "${pass[@]}" -file ca.crt
"$keytool" -importcert -noprompt -alias ca -file ca.crt -keystore truststore.p12 -storetype PKCS12 "${pass[@]}"
"$keytool" -genkeypair -alias broker -dname "CN=tunelog-broker" -keyalg RSA -keysize 2048 -validity 365 \
  -keystore broker.p12 -storetype PKCS12 "${pass[@]}"
"$keytool" -certreq -alias broker -keystore broker.p12 "${pass[@]}" -file broker.csr
# The broker's certificate serves clients (serverAuth) and, on the controller listener, the broker itself (clientAuth).
"$keytool" -gencert -alias ca -keystore ca.p12 "${pass[@]}" -infile broker.csr -outfile broker.crt -rfc -validity 365 \
  -ext "SAN=$san" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth
"$keytool" -importcert -noprompt -alias ca -file ca.crt -keystore broker.p12 "${pass[@]}"
"$keytool" -importcert -noprompt -alias broker -file broker.crt -keystore broker.p12 "${pass[@]}"
rm -f broker.csr broker.crt
chmod 600 ca.p12 broker.p12
echo "made $dir/{ca.p12,ca.crt,truststore.p12,broker.p12} (broker principal CN=tunelog-broker, names $san)"
