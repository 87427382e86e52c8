#!/usr/bin/python3
"""A stand-in certificate issuer for the certify end-to-end tests.

A small local CA (root + intermediate, ECDSA P-256, made with OpenSSL
through python3-cryptography) that follows the zone the way
dns-letsencrypt-secondary will: it transfers the zone (AXFR, TSIG) every
--poll seconds, finds every CSR published as TLSA 3 255 0 at
_letsencrypt._tcp.<host>, and when no certificate for that CSR's key and
names is published (or the one published is past the issuer's renewal
point) it signs one and writes, with BIND's nsupdate, the end-entity
certificate as TLSA 3 0 0 and the intermediate as TLSA 0 0 0 (TTL 3600),
replacing superseded ones, plus the status TXT
"v=certify1; state=valid" (the formats in docs/repository.md).

Behaviour can be changed while it runs through the file CA_DIR/mode:
    normal                             as above
    hold                               sign nothing; status "pending"
    fail ERROR RETRY_SECONDS DETAIL    sign nothing; status "failed" with
                                       retry = now + RETRY_SECONDS
    reissue                            sign a new certificate for every
                                       CSR once, then back to normal

Subcommands:
    init CA_DIR                        make the CA (root.pem, inter.pem, keys)
    run CA_DIR SERVER PORT ZONE KEY [--lifetime S] [--renew-before S]
    put CA_DIR SERVER PORT KEY HOST --pubkey-of KEYFILE --names a,b
        [--cn CN] [--not-before REL] [--not-after REL] [--bogus-ca]
                                       publish one hand-made certificate
KEY is hmac-sha256:NAME:SECRET (as nsupdate -y takes it).
"""
import datetime
import os
import subprocess
import sys
import time

import dns.name
import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.zone
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OWNER_PREFIX = "_letsencrypt._tcp."


def log(*a):
    print("[issuer %s]" % time.strftime("%H:%M:%S"), *a, flush=True)


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def name_of(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(pub, subject, issuer_name, issuer_key, issuer_pub, nb, na, ca, sans=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(pub).serial_number(x509.random_serial_number())
         .not_valid_before(nb).not_valid_after(na)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub),
                        critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                          False), critical=True)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem_write(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def init(ca_dir):
    os.makedirs(ca_dir, exist_ok=True)
    t = now()
    rk, ik = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = make_cert(rk.public_key(), name_of("certify test root"), name_of("certify test root"),
                     rk, rk.public_key(), t - datetime.timedelta(days=1),
                     t + datetime.timedelta(days=3650), True)
    inter = make_cert(ik.public_key(), name_of("certify test intermediate"), root.subject, rk,
                      rk.public_key(), t - datetime.timedelta(days=1),
                      t + datetime.timedelta(days=1000), True)
    enc = serialization.Encoding.PEM
    for n, k in (("root", rk), ("inter", ik)):
        pem_write(os.path.join(ca_dir, n + ".key"),
                  k.private_bytes(enc, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()), 0o600)
    pem_write(os.path.join(ca_dir, "root.pem"), root.public_bytes(enc))
    pem_write(os.path.join(ca_dir, "inter.pem"), inter.public_bytes(enc))
    pem_write(os.path.join(ca_dir, "mode"), b"normal\n")


def load_ca(ca_dir):
    def rd(n):
        with open(os.path.join(ca_dir, n), "rb") as f:
            return f.read()
    ik = serialization.load_pem_private_key(rd("inter.key"), None)
    inter = x509.load_pem_x509_certificate(rd("inter.pem"))
    return ik, inter


def spki(pub):
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def names_of(obj):
    names = set()
    try:
        san = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names |= {n.lower().rstrip(".") for n in san.value.get_values_for_type(x509.DNSName)}
    except x509.ExtensionNotFound:
        pass
    for a in obj.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        names.add(a.value.lower().rstrip("."))
    return names


def is_cert(der):
    try:
        x509.load_der_x509_certificate(der)
        return True
    except ValueError:
        return False


def nsupdate(server, port, key, zone, lines):
    script = "server %s %s\nzone %s.\n%s\nsend\nanswer\n" % (server, port, zone, "\n".join(lines))
    r = subprocess.run(["nsupdate", "-v", "-y", key, "-t", "20"], input=script.encode(),
                       capture_output=True)
    out = (r.stdout + r.stderr).decode(errors="replace")
    if r.returncode != 0 or "status: NOERROR" not in out:
        log("nsupdate failed:", out.strip().replace("\n", " | ")[:400])
        return False
    return True


def read_mode(ca_dir):
    try:
        with open(os.path.join(ca_dir, "mode")) as f:
            return f.read().split(None, 3)
    except OSError:
        return ["normal"]


def set_mode(ca_dir, text):
    tmp = os.path.join(ca_dir, "mode.tmp")
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, os.path.join(ca_dir, "mode"))


def status_line(words, since):
    """The status for mode @words, set at @since (so that it stays the same
    while the mode does: every change is an update and a commit)."""
    if words[0] == "hold":
        return "v=certify1; state=pending"
    if words[0] == "fail":
        err = words[1] if len(words) > 1 else "serverInternal"
        retry = since + datetime.timedelta(seconds=int(words[2]) if len(words) > 2 else 3600)
        detail = words[3].strip() if len(words) > 3 else "test failure"
        return "v=certify1; state=failed; error=%s; retry=%s; detail=%s" % (
            err, retry.strftime("%Y-%m-%dT%H:%M:%SZ"), detail)
    return "v=certify1; state=valid"


def txt_lines(owner, rrs, line):
    """Replace the status TXT (only if it changes: every update is a commit)."""
    old = ["".join(s.decode() for s in r.strings) for r in rrs.get("TXT", [])]
    if old == [line]:
        return []
    return ["update delete %s TXT" % owner, 'update add %s 3600 TXT "%s"' % (owner, line)]


class Issuer:
    def __init__(self, ca_dir, server, port, zone, key, lifetime, renew_before):
        self.ca_dir, self.server, self.port, self.zone, self.key = ca_dir, server, port, zone, key
        self.lifetime, self.renew_before = lifetime, renew_before
        alg, kname, secret = key.split(":", 2)
        self.keyname = kname
        self.keyring = dns.tsigkeyring.from_text({kname: secret})
        self.ik, self.inter = load_ca(ca_dir)
        self.issued = 0
        self.mode, self.mode_since = None, now()

    def transfer(self):
        xfr = dns.query.xfr(self.server, self.zone, port=self.port, keyring=self.keyring,
                            keyname=self.keyname, keyalgorithm="hmac-sha256", lifetime=10)
        return dns.zone.from_xfr(xfr, check_origin=False)

    def owners(self, z):
        out = {}
        for name, node in z.nodes.items():
            text = name.to_text()
            if not text.startswith(OWNER_PREFIX[:-1]):
                continue
            owner = "%s.%s." % (text, self.zone) if text != "@" else self.zone + "."
            rrs = {}
            for rds in node.rdatasets:
                rrs.setdefault(dns.rdatatype.to_text(rds.rdtype), []).extend(rds)
            out[owner] = rrs
        return out

    def due(self, csr, rrs):
        want_key, want_names = spki(csr.public_key()), names_of(csr)
        for r in rrs.get("TLSA", []):
            if (r.usage, r.selector, r.mtype) != (3, 0, 0):
                continue
            try:
                c = x509.load_der_x509_certificate(r.cert)
            except ValueError:
                continue
            if spki(c.public_key()) != want_key or names_of(c) != want_names:
                continue
            life = c.not_valid_after - c.not_valid_before
            rb = datetime.timedelta(seconds=self.renew_before) if self.renew_before else life / 3
            if now() < c.not_valid_after - rb:
                return False
        return True

    def sign(self, csr):
        t = now()
        sans = sorted(names_of(csr))
        cn = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        subject = name_of(cn[0].value) if cn else name_of(sans[0])
        return make_cert(csr.public_key(), subject, self.inter.subject, self.ik,
                         self.inter.public_key(), t - datetime.timedelta(seconds=60),
                         t + datetime.timedelta(seconds=self.lifetime), False, sans)

    def handle(self, owner, rrs, words, reissue):
        csrs = [r for r in rrs.get("TLSA", []) if (r.usage, r.selector, r.mtype) == (3, 255, 0)]
        if not csrs:
            return
        if words[0] in ("hold", "fail"):
            line = status_line(words, self.mode_since)
            lines = txt_lines(owner, rrs, line)
            if lines:
                log("status of", owner, "->", line)
                nsupdate(self.server, self.port, self.key, self.zone, lines)
            return
        try:
            csr = x509.load_der_x509_csr(csrs[0].cert)
            assert csr.is_signature_valid
        except (ValueError, AssertionError):
            lines = txt_lines(owner, rrs, "v=certify1; state=failed; error=csr; detail=bad CSR")
            if lines:
                nsupdate(self.server, self.port, self.key, self.zone, lines)
            return
        if not reissue and not self.due(csr, rrs):
            return
        cert = self.sign(csr)
        der = cert.public_bytes(serialization.Encoding.DER)
        inter = self.inter.public_bytes(serialization.Encoding.DER)
        lines = []
        for r in rrs.get("TLSA", []):  # superseded certificates go; garbage is not ours to touch
            if (r.usage, r.selector, r.mtype) in ((3, 0, 0), (0, 0, 0)) and is_cert(r.cert):
                lines.append("update delete %s TLSA %d %d %d %s" % (owner, r.usage, r.selector,
                                                                    r.mtype, r.cert.hex()))
        lines.append("update add %s 3600 TLSA 3 0 0 %s" % (owner, der.hex()))
        lines.append("update add %s 3600 TLSA 0 0 0 %s" % (owner, inter.hex()))
        lines += ["update delete %s TXT" % owner,
                  'update add %s 3600 TXT "v=certify1; state=valid"' % owner]
        if nsupdate(self.server, self.port, self.key, self.zone, lines):
            self.issued += 1
            log("issued #%d for %s: serial %x, names %s, valid until %s" % (
                self.issued, owner, cert.serial_number, ",".join(sorted(names_of(csr))),
                cert.not_valid_after.isoformat()))

    def run(self, poll):
        log("following zone", self.zone, "at %s:%s" % (self.server, self.port))
        while True:
            words = read_mode(self.ca_dir)
            if words != self.mode:
                self.mode, self.mode_since = words, now()
            reissue = words[0] == "reissue"
            try:
                for owner, rrs in self.owners(self.transfer()).items():
                    self.handle(owner, rrs, words, reissue)
                if reissue:
                    set_mode(self.ca_dir, "normal")
            except Exception as e:  # the primary restarting, a transfer cut: try again
                log("poll failed:", repr(e)[:300])
            time.sleep(poll)


def put(argv):
    """Publish one hand-made certificate (the tests' not-accepted cases)."""
    import argparse
    p = argparse.ArgumentParser(prog="issuer.py put")
    p.add_argument("ca_dir")
    p.add_argument("server")
    p.add_argument("port")
    p.add_argument("key")
    p.add_argument("host")
    p.add_argument("--zone", default="example.com")
    p.add_argument("--pubkey-of", required=True)
    p.add_argument("--names", required=True)
    p.add_argument("--cn")
    p.add_argument("--not-before", type=int, default=-3600)
    p.add_argument("--not-after", type=int, default=90 * 86400)
    p.add_argument("--bogus-ca", action="store_true")
    a = p.parse_args(argv)
    ik, inter = load_ca(a.ca_dir)
    with open(a.pubkey_of, "rb") as f:
        pub = serialization.load_pem_private_key(f.read(), None).public_key()
    names = a.names.split(",")
    t = now()
    if a.bogus_ca:  # an "intermediate" of the same name but another key signs it
        ik = ec.generate_private_key(ec.SECP256R1())
    cert = make_cert(pub, name_of(a.cn or names[0]), inter.subject, ik, ik.public_key(),
                     t + datetime.timedelta(seconds=a.not_before),
                     t + datetime.timedelta(seconds=a.not_after), False, names)
    owner = OWNER_PREFIX + a.host + "."
    lines = ["update add %s 3600 TLSA 3 0 0 %s" % (owner, cert.public_bytes(
                 serialization.Encoding.DER).hex()),
             "update add %s 3600 TLSA 0 0 0 %s" % (owner, inter.public_bytes(
                 serialization.Encoding.DER).hex())]
    sys.exit(0 if nsupdate(a.server, a.port, a.key, a.zone, lines) else 1)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "init":
        init(rest[0])
    elif cmd == "put":
        put(rest)
    elif cmd == "run":
        import argparse
        p = argparse.ArgumentParser(prog="issuer.py run")
        for n in ("ca_dir", "server", "port", "zone", "key"):
            p.add_argument(n)
        p.add_argument("--lifetime", type=int, default=90 * 86400)
        p.add_argument("--renew-before", type=int, default=0)
        p.add_argument("--poll", type=float, default=0.2)
        a = p.parse_args(rest)
        Issuer(a.ca_dir, a.server, int(a.port), a.zone, a.key, a.lifetime,
               a.renew_before).run(a.poll)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
