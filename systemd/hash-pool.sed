# Makes the password-hashing pool's units from the general pool's:
#   sed -f systemd/hash-pool.sed systemd/stoa-fcgi.socket   > stoa-fcgi-hash.socket
#   sed -f systemd/hash-pool.sed systemd/stoa-fcgi@.service > stoa-fcgi-hash@.service
# (debian/rules does it when building the package.) Same worker, same
# confinement, its own socket: nginx sends login, register and password
# changes there (nginx/snippets/stoa-pools.conf), so Argon2id bursts never
# take every worker of the general pool.
1i\
# Generated from the general pool's unit by systemd/hash-pool.sed: the\
# password-hashing pool (enable one instance per CPU core).
s|/run/stoa/stoa\.sock|/run/stoa/stoa-hash.sock|g
s|stoa-fcgi\.socket|stoa-fcgi-hash.socket|g
s|stoa-fcgi@|stoa-fcgi-hash@|g
s|^Description=Stoa FastCGI socket$|Description=Stoa FastCGI socket of the password-hashing pool|
s|^Description=Stoa FastCGI worker %i$|Description=Stoa FastCGI password-hashing worker %i|
s|upstream stoa_workers|upstream stoa_hash_workers|g
s|(4 per CPU core is a good start)|(one per CPU core)|
s|stoa-fcgi-hash@{1\.\.8}|stoa-fcgi-hash@{1..2}|g
s|for i in 1 2 3 4 5 6 7 8; do systemctl restart stoa-fcgi-hash|for i in 1 2; do systemctl restart stoa-fcgi-hash|
