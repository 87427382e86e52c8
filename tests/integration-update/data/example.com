; example.com: the zone of the UPDATE end-to-end tests (issue 4).
; Every comment and blank line of this file must survive every write-back.
$ORIGIN example.com.
$TTL 300

; --- apex ---
@       IN SOA ns1 hostmaster (
            2026050101 ; serial
            3600       ; refresh: far beyond any wait of the tests
            600        ; retry
            604800     ; expire
            300 )      ; minimum
        IN NS  ns1
        IN NS  ns2.example.net.
        IN MX  10 mail ; the only mail host

; --- hosts ---
ns1     IN A    192.0.2.1
mail    IN A    192.0.2.25   ; mail relay, replaced by an update
www     IN A    192.0.2.80   ; web
www     IN AAAA 2001:db8::80 ; web, v6
ftp     IN CNAME www

; --- offices: a person edits these by hand ---
office  IN A    192.0.2.40   ; front desk
office  IN TXT  "front desk"
printer IN A    192.0.2.41

; --- hand-written records end here; updates append new names below ---
