; The zone of answers_vs_knot.sh: served by dns-primary-git (from git) and
; by knotd (from this file); their answers must agree.  It has every shape
; of the answer algorithm: CNAME chains (in zone, out of zone, dangling),
; DNAME (in zone, out of zone, DNAME + CNAME), wildcards (with and without
; data for the type, CNAME wildcard, blocked by an existing name), a
; delegation with in-zone glue and one with out-of-zone servers, empty
; non-terminals, and RRsets too big for a 512-byte UDP answer.
$ORIGIN example.com.
$TTL 3600
@               IN SOA  ns1 hostmaster (
                        2026050101 ; serial
                        3600 600 604800
                        300 )      ; negative TTL below the SOA TTL
                NS      ns1
                NS      ns2.example.net. ; no data: nobody to NOTIFY off the loopback
                MX      10 mail
                MX      20 mail2.example.net.
                TXT     "v=spf1 mx -all"
ns1             A       192.0.2.1
                AAAA    2001:db8::1
mail            A       192.0.2.25
www             A       192.0.2.80
                AAAA    2001:db8::80
                TXT     "web server"
www2       600  A       192.0.2.81

; CNAME chains
a1              CNAME   a2
a2         120  CNAME   a3
a3              CNAME   www
ext             CNAME   www.example.net.
dangling        CNAME   nothere
tohost          CNAME   host.wild
towild          CNAME   foo.wild
todname         CNAME   x.dn
tosub           CNAME   host.sub

; DNAME
dn              DNAME   target
target          A       192.0.2.90
x.target        A       192.0.2.91
x.target        TXT     "x below the dname target"
deep.y.target   AAAA    2001:db8::91
c.target        CNAME   www
dnx        900  DNAME   example.net.
dnself          DNAME   dn

; wildcards
*.wild          A       192.0.2.100
*.wild          TXT     "wildcard"
host.wild       A       192.0.2.101
sub.host.wild   A       192.0.2.102
*.wc            CNAME   www
*.wmx           MX      10 mail
*.deepw.ent     A       192.0.2.103

; empty non-terminals: ent, b.ent, c.b.ent exist only as parents
a.b.c.ent       A       192.0.2.110
d.ent           TXT     "d"

; delegations
sub             NS      ns.sub
                NS      ns2.sub
ns.sub          A       192.0.2.120
ns2.sub         A       192.0.2.121
                AAAA    2001:db8::121
sub2            NS      ns.example.net.
                NS      ns.example.org.
deep.sub3       NS      ns.deep.sub3
ns.deep.sub3    A       192.0.2.130

; RRsets too big for 512 bytes (TC over UDP), one too big for 1232
big             TXT     "0000000000000000000000000000000000000000000000000000000000000000"
big             TXT     "1111111111111111111111111111111111111111111111111111111111111111"
big             TXT     "2222222222222222222222222222222222222222222222222222222222222222"
big             TXT     "3333333333333333333333333333333333333333333333333333333333333333"
big             TXT     "4444444444444444444444444444444444444444444444444444444444444444"
big             TXT     "5555555555555555555555555555555555555555555555555555555555555555"
big             TXT     "6666666666666666666666666666666666666666666666666666666666666666"
big             TXT     "7777777777777777777777777777777777777777777777777777777777777777"
big             TXT     "8888888888888888888888888888888888888888888888888888888888888888"
big             A       192.0.2.140
many            A       10.0.0.1
many            A       10.0.0.2
many            A       10.0.0.3
many            A       10.0.0.4
many            A       10.0.0.5
many            A       10.0.0.6
many            A       10.0.0.7
many            A       10.0.0.8
many            A       10.0.0.9
many            A       10.0.0.10
many            A       10.0.0.11
many            A       10.0.0.12
many            A       10.0.0.13
many            A       10.0.0.14
many            A       10.0.0.15
many            A       10.0.0.16
many            A       10.0.0.17
many            A       10.0.0.18
many            A       10.0.0.19
many            A       10.0.0.20
many            A       10.0.0.21
many            A       10.0.0.22
many            A       10.0.0.23
many            A       10.0.0.24
many            A       10.0.0.25
many            A       10.0.0.26
many            A       10.0.0.27
many            A       10.0.0.28
many            A       10.0.0.29
many            A       10.0.0.30
many            A       10.0.0.31
many            A       10.0.0.32
many            A       10.0.0.33
many            A       10.0.0.34
many            A       10.0.0.35
many            A       10.0.0.36
many            A       10.0.0.37
many            A       10.0.0.38
many            A       10.0.0.39
many            A       10.0.0.40
huge            TXT     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
huge            TXT     "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
huge            TXT     "2222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222222"
huge            TXT     "3333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
huge            TXT     "4444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444"
huge            TXT     "5555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555555"
huge            TXT     "6666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666666"
huge            TXT     "7777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777777"

; other types
_sip._tcp       SRV     10 60 5060 www
_sip._udp       SRV     10 60 5060 nothere
caa             CAA     0 issue "letsencrypt.org"
hinfo           HINFO   "PC" "Linux"
unknown         TYPE65400 \# 4 0a000001
