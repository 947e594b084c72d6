# Sourced by the labs. make_engine_certs DIR NAME SERVER_IP writes in DIR what a dockerd with --tlsverify and its
# clients need: ca.pem (+ ca-key.pem), server-cert.pem/server-key.pem for SERVER_IP, cert.pem/key.pem (a client),
# and rogue-ca.pem, rogue-cert.pem/rogue-key.pem (a CA the engine does not trust, and a client certificate from it).
make_engine_certs() {
  local dir=$1 name=$2 server_ip=$3
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$name-ca" -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name-engine" -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$server_ip" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out server-cert.pem 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name-client" -keyout key.pem -out client.csr 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out cert.pem 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$name-rogue-ca" -keyout rogue-ca-key.pem -out rogue-ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$name-rogue" -keyout rogue-key.pem -out rogue.csr 2>/dev/null
    openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out rogue-cert.pem 2>/dev/null
    rm -f ./*.csr ./*.ext ./*.srl; chmod 600 ./*key.pem
  )
}
