; example.com: the example zone.  Every regular file at the repository root
; whose name is a domain name is a zone named after it; _keys holds the TSIG
; keys.  Layout, key names and hooks: docs/repository.md of the source tree.
$ORIGIN example.com.
$TTL 1h

@               IN SOA  ns1 hostmaster (
                        2026112201 ; serial: YYYYMMDDnn
                        1h         ; refresh
                        15m        ; retry
                        1w         ; expire
                        5m )       ; negative-caching TTL
                NS      ns1
                NS      ns2.example.net.
                MX      10 mail
                TXT     "v=spf1 mx -all"
                CAA     0 issue "letsencrypt.org"

ns1             A       192.0.2.53
                AAAA    2001:db8::53
mail            A       192.0.2.25
www             A       192.0.2.80
                AAAA    2001:db8::80
ftp             CNAME   www
_sip._tcp       SRV     10 60 5060 sip
sip             A       192.0.2.60
*.users         A       192.0.2.100     ; wildcard for user pages

; a delegation with in-zone glue
lab             NS      ns.lab
ns.lab          A       192.0.2.200
