#!/usr/bin/python3
"""mkdnssec.py - writes the DNSSEC replay scenarios (dnssec_*.rpl).

Builds a small signed world with ldns-keygen and ldns-signzone (a root and
zones below it, each on its own server address), then writes each scenario
as a .rpl file: one RANGE per server whose entries are the answers an
authoritative server would give (data with RRSIGs, referrals with DS or
the NSEC/NSEC3 proving there is none, NXDOMAIN/NODATA with their proofs,
wildcard expansions), followed by the scenario's steps and the answers
expected from the resolver.

The .rpl files are committed, so the tests need neither ldns nor Python;
run this again (from any directory) only to change the world.  Keys are
random, so every run gives new signatures; the validity window is fixed
(2024-01-01 .. 2036-01-01) and the scenarios set the validator's clock
with val-override-date, so the files never go stale.

Needs ldnsutils and python3-dnspython:  /usr/bin/python3 mkdnssec.py
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

HERE = os.path.dirname(os.path.abspath(__file__))
WINDOW = ("20240101000000", "20360101000000")
EXPIRED = ("20200101000000", "20210101000000")
NOW = "20250601000000"   # val-override-date of every scenario
ROOT_ADDR = "193.0.14.129"

# zone -> (address, algorithm, nsec3, options)
ZONES = {
    ".": (ROOT_ADDR, "ECDSAP256SHA256", False, {"spoil_referral": "spoiled."}),
    "secure.": ("192.0.2.1", "ECDSAP256SHA256", False, {}),
    "nsec3.": ("192.0.2.2", "ECDSAP256SHA256", True, {}),
    "insecure.": ("192.0.2.3", None, False, {}),
    "unsigned.nsec3.": ("192.0.2.4", None, False, {}),
    "bogus.": ("192.0.2.5", "ECDSAP256SHA256", False, {"tamper": "www.bogus."}),
    "expired.": ("192.0.2.6", "ECDSAP256SHA256", False, {"window": EXPIRED}),
    "nokey.": ("192.0.2.7", "ECDSAP256SHA256", False, {"ds_for_other_key": True}),
    "keytrap.": ("192.0.2.8", "RSASHA256", False, {"keytrap": (24, 16)}),
    # NSEC3 with opt-out (ldns-signzone -p): no NSEC3 for its unsigned delegation
    "optout.": ("192.0.2.9", "ECDSAP256SHA256", True, {"optout": True}),
    "unsigned.optout.": ("192.0.2.10", None, False, {}),
    # unsigned; the root's referral to it carries its NSEC with a broken
    # RRSIG (the root's DS NODATA is intact)
    "spoiled.": ("192.0.2.11", None, False, {}),
}

BODY = {
    ".": "",
    "secure.": """
www 3600 IN A 192.0.2.80
www 3600 IN TXT "secure text"
alias 3600 IN CNAME www.secure.
*.wild 3600 IN A 192.0.2.99
""",
    "nsec3.": """
www 3600 IN A 192.0.2.81
*.wild 3600 IN A 192.0.2.98
unsigned 3600 IN NS ns.unsigned
ns.unsigned 3600 IN A 192.0.2.4
""",
    "insecure.": "www 3600 IN A 192.0.2.82\n",
    "unsigned.nsec3.": "www 3600 IN A 192.0.2.83\n",
    "bogus.": "www 3600 IN A 192.0.2.84\n",
    "expired.": "www 3600 IN A 192.0.2.85\n",
    "nokey.": "www 3600 IN A 192.0.2.86\n",
    "keytrap.": "www 3600 IN A 192.0.2.87\n",
    "optout.": "www 3600 IN A 192.0.2.88\n",
    "unsigned.optout.": "www 3600 IN A 192.0.2.89\n",
    "spoiled.": "www 3600 IN A 192.0.2.90\n",
}

N = dns.name.from_text


def run(*args, cwd):
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def ns_name(zone):
    return "ns." + (zone if zone != "." else "root.")


def zone_text(zone, skip=()):
    """The unsigned zone: SOA, NS, the server's address, the body, delegations
    (but those to the children in @skip)."""
    addr = ZONES[zone][0]
    apex = zone
    t = [f"$ORIGIN {zone}", f"$TTL 3600",
         f"{apex} 3600 IN SOA {ns_name(zone)} hostmaster.{zone if zone != '.' else ''} 1 7200 3600 1209600 300",
         f"{apex} 3600 IN NS {ns_name(zone)}"]
    t.append(f"{ns_name(zone)} 3600 IN A {addr}")
    t.append(BODY[zone])
    for child, (caddr, _alg, _n3, _o) in ZONES.items():
        if child in (zone, ".") or N(child).parent() != N(zone):
            continue
        if zone == "nsec3." or child in skip:
            continue  # its delegation is in BODY, or added after signing
        t.append(f"{child} 86400 IN NS {ns_name(child)}")
        t.append(f"{ns_name(child)} 86400 IN A {caddr}")
    return "\n".join(t) + "\n"


def make_zone(zone, work, ds_lines):
    """Sign @zone (children's DS in @ds_lines); returns (zone object, its DS lines)."""
    addr, alg, nsec3, opt = ZONES[zone]
    d = os.path.join(work, zone.strip(".") or "root")
    os.makedirs(d)
    # An opt-out zone gets its unsigned delegations after signing, so that no
    # NSEC3 names them: opt-out spans cover them (ldns-signzone(1), -p).
    unsigned = [c for c in ZONES if opt.get("optout") and c not in (zone, ".") and
                N(c).parent() == N(zone) and not ZONES[c][1]]
    text = zone_text(zone, unsigned)
    for child, lines in ds_lines.items():
        if child != "." and N(child).parent() == N(zone):
            text += "".join(l + "\n" for l in lines)
    path = os.path.join(d, "zone")
    with open(path, "w") as f:
        f.write(text)
    if not alg:
        return dns.zone.from_text(text, origin=zone, relativize=False, check_origin=False), []
    bits = ["-b", "1024"] if alg.startswith("RSA") else []
    ksk = run("ldns-keygen", "-a", alg, *bits, "-k", zone, cwd=d).strip()
    zsk = run("ldns-keygen", "-a", alg, *bits, zone, cwd=d).strip()
    if "keytrap" in opt:
        with open(path, "a") as f:
            f.write("".join(l + "\n" for l in colliding_keys(zone, os.path.join(d, zsk + ".key"),
                                                          opt["keytrap"][0])))
    inc, exp = opt.get("window", WINDOW)
    args = ["ldns-signzone", "-i", inc, "-e", exp, "-f", "signed"]
    if nsec3:
        args += ["-n", "-t", "0"] + (["-p"] if opt.get("optout") else [])
    run(*args, "zone", ksk, zsk, cwd=d)
    z = dns.zone.from_file(os.path.join(d, "signed"), origin=zone, relativize=False, check_origin=False)
    for child in unsigned:
        for owner, rtype, rdata in ((child, "NS", ns_name(child)), (ns_name(child), "A", ZONES[child][0])):
            rds = z.find_rdataset(owner, rtype, create=True)
            rds.update_ttl(86400)
            rds.add(dns.rdata.from_text("IN", rtype, rdata))
    ds_key = ksk
    if opt.get("ds_for_other_key"):
        ds_key = run("ldns-keygen", "-a", alg, *bits, "-k", zone, cwd=d).strip()
    ds = run("ldns-key2ds", "-n", "-2", ds_key + ".key", cwd=d).strip().splitlines()
    if "tamper" in opt:
        tamper(z, opt["tamper"])
    if "keytrap" in opt:
        forge_sigs(z, zone, opt["keytrap"][1])
    return z, ds


def tamper(z, owner):
    """Flip a bit in every RRSIG over the A RRset at @owner (a bad signature)."""
    node = z.get_node(owner)
    sigs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.A)
    new = [s.replace(signature=bytes([s.signature[0] ^ 1]) + s.signature[1:]) for s in sigs]
    sigs.clear()
    for s in new:
        sigs.add(s)


def colliding_keys(zone, keyfile, nkeys):
    """KeyTrap (CVE-2023-50387): @nkeys DNSKEYs with the key tag of the ZSK
    in @keyfile: its RSA modulus changed in two bytes of the same parity
    (+1 and -1), which keeps the tag's checksum."""
    zsk = list(dns.rrset.from_text_list(zone, 3600, "IN", "DNSKEY",
                                        [open(keyfile).read().split("DNSKEY", 1)[1].strip()]))[0]
    tag = dns.dnssec.key_id(zsk)
    rng = random.Random(50387)
    out, seen = [], {zsk.key}
    while len(out) < nkeys:
        key = bytearray(zsk.key)
        a, b = rng.randrange(8, len(key), 2), rng.randrange(8, len(key), 2)
        if a == b or key[a] == 255 or key[b] == 0:
            continue
        key[a] += 1
        key[b] -= 1
        k = zsk.replace(key=bytes(key))
        if k.key in seen:
            continue
        seen.add(k.key)
        assert dns.dnssec.key_id(k) == tag
        out.append(f"{zone} 3600 IN DNSKEY {k.to_text(chunksize=0)}")
    return out


def forge_sigs(z, zone, nsigs):
    """@nsigs RRSIGs over www that all name the ZSK's tag and none verify."""
    keys = z.get_node(zone).get_rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    tag = dns.dnssec.key_id([k for k in keys if k.flags == 256][0])
    sigs = z.get_node("www." + zone).get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG,
                                                   dns.rdatatype.A)
    proto = [s for s in sigs if s.key_tag == tag][0]
    rng = random.Random(50868)
    sigs.clear()
    for i in range(nsigs):
        sig = bytes(rng.randrange(256) for _ in range(len(proto.signature)))
        sigs.add(proto.replace(signature=sig, expiration=proto.expiration - i))


def rr_lines(name, rdataset):
    out = []
    for rd in rdataset:
        out.append(f"{name} {rdataset.ttl} IN {dns.rdatatype.to_text(rdataset.rdtype)} "
                   f"{rd.to_text(chunksize=0) if hasattr(rd, 'key') or hasattr(rd, 'signature') else rd.to_text()}")
    return out


class World:
    def __init__(self, work):
        self.zones = {}
        ds = {}
        # children first: parents need their DS
        for zone in sorted(ZONES, key=lambda z: -len(N(z))):
            self.zones[zone], ds[zone] = make_zone(zone, work, ds)
        self.root_ds = ds["."]

    # ---- what a server says ----

    def cuts(self, zone):
        z = self.zones[zone]
        return [n for n, node in z.nodes.items()
                if n != z.origin and node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS)]

    def below_cut(self, zone, name):
        return any(name.is_subdomain(c) and name != c for c in self.cuts(zone))

    def sigs(self, zone, name, rdtype):
        node = self.zones[zone].get_node(name)
        if node is None:
            return None
        return node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rdtype)

    def with_sigs(self, zone, name, rdtype, owner=None):
        node = self.zones[zone].get_node(name)
        rs = node.get_rdataset(dns.rdataclass.IN, rdtype)
        out = rr_lines(owner or name, rs)
        s = self.sigs(zone, name, rdtype)
        if s:
            out += rr_lines(owner or name, s)
        return out

    def glue(self, zone, rs):
        """The addresses of the name servers of an NS RRset, as the zone has them."""
        out = []
        if rs.rdtype == dns.rdatatype.NS:
            for ns in rs:
                node = self.zones[zone].get_node(ns.target)
                a = node and node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.A)
                if a:
                    out += rr_lines(ns.target, a)
        return out

    def soa(self, zone):
        return self.with_sigs(zone, self.zones[zone].origin, dns.rdatatype.SOA)

    def nsec3param(self, zone):
        z = self.zones[zone]
        rs = z.get_node(z.origin).get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3PARAM)
        return list(rs)[0] if rs else None

    def nsec3s(self, zone):
        z = self.zones[zone]
        out = []
        for n, node in z.nodes.items():
            rs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC3)
            if rs:
                out.append((n.labels[0].decode().lower(), n))
        return sorted(out)

    def h3(self, zone, name):
        p = self.nsec3param(zone)
        return dns.dnssec.nsec3_hash(name, p.salt or None, p.iterations, p.algorithm).lower()

    def nsec3_for(self, zone, name, cover):
        """The NSEC3 owner matching (cover False) or covering (True) @name."""
        h = self.h3(zone, name)
        chain = self.nsec3s(zone)
        if not cover:
            return [n for hh, n in chain if hh == h][0]
        for i, (hh, n) in enumerate(chain):
            nxt = chain[(i + 1) % len(chain)][0]
            if (hh < h < nxt) or (nxt <= hh and (h > hh or h < nxt)):
                return n
        raise ValueError(name)

    def nsec_for(self, zone, name):
        """The NSEC owner at or covering @name (canonical order)."""
        z = self.zones[zone]
        owners = sorted(n for n, node in z.nodes.items()
                        if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC))
        best = owners[-1] if name < owners[0] else None
        for o in owners:
            if o <= name:
                best = o
        return best

    def proof(self, zone, names):
        out = []
        if not self.sigs(zone, self.zones[zone].origin, dns.rdatatype.SOA):
            return out  # an unsigned zone
        nsec_type = dns.rdatatype.NSEC3 if self.nsec3param(zone) else dns.rdatatype.NSEC
        for n in dict.fromkeys(names):
            for l in self.with_sigs(zone, n, nsec_type):
                if l not in out:
                    out.append(l)
        return out

    def nsec3_owner(self, zone, name):
        h = self.h3(zone, name)
        return next((n for hh, n in self.nsec3s(zone) if hh == h), None)

    def closest_provable(self, zone, qname):
        """RFC 5155 §7.2.1: the closest ancestor of @qname with an NSEC3 (an
        opt-out span leaves unsigned delegations without one) and the next
        closer name below it."""
        ce = qname.parent()
        while self.nsec3_owner(zone, ce) is None:
            ce = ce.parent()
        return ce, N(qname.labels[-len(ce) - 1].decode(), ce)

    def denial(self, zone, qname, nxdomain):
        """Owners of the NSEC/NSEC3 records proving @qname (or its type) absent."""
        z = self.zones[zone]
        if not self.nsec3param(zone):
            if not nxdomain:
                return [qname]
            return [self.nsec_for(zone, qname), self.nsec_for(zone, N("*", z.origin))]
        if not nxdomain and self.nsec3_owner(zone, qname) is not None:
            return [self.nsec3_owner(zone, qname)]
        ce, nc = self.closest_provable(zone, qname)
        proof = [self.nsec3_for(zone, ce, False), self.nsec3_for(zone, nc, True)]
        # NODATA without a matching NSEC3: an unsigned delegation in an opt-out span
        return proof + ([self.nsec3_for(zone, N("*", ce), True)] if nxdomain else [])

    def zone_of(self, name):
        best = None
        for zone in self.zones:
            if name.is_subdomain(N(zone)) and (best is None or len(N(zone)) > len(N(best))):
                best = zone
        return best

    def entries(self, zone, extra):
        """The entries of @zone's server: exact answers, then @extra
        (per-query answers), NODATA, referrals."""
        z = self.zones[zone]
        ent = []
        for n, node in sorted(z.nodes.items()):
            if self.below_cut(zone, n):
                continue
            is_cut = n in self.cuts(zone)
            for rs in node.rdatasets:
                if rs.rdtype in (dns.rdatatype.RRSIG, dns.rdatatype.NSEC, dns.rdatatype.NSEC3):
                    continue
                if is_cut and rs.rdtype != dns.rdatatype.DS:
                    continue
                # a CNAME answers every type (the resolver follows it)
                cname = rs.rdtype == dns.rdatatype.CNAME
                ent.append(entry("qname" if cname else "qtype qname", "QR AA NOERROR", n, rs.rdtype,
                                 answer=self.with_sigs(zone, n, rs.rdtype),
                                 additional=self.glue(zone, rs)))
            if is_cut and not node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.DS):
                ent.append(entry("qtype qname", "QR AA NOERROR", n, dns.rdatatype.DS,
                                 authority=self.soa(zone) + self.proof(zone, self.denial(zone, n, False))))
        ent += extra
        for n, node in sorted(z.nodes.items()):
            if self.below_cut(zone, n) or n in self.cuts(zone) or n.labels[0] == b"*" or \
                    node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME):
                continue
            if all(rs.rdtype in (dns.rdatatype.NSEC3, dns.rdatatype.RRSIG) for rs in node.rdatasets):
                continue  # an NSEC3 owner is not a name of the zone
            ent.append(entry("qname", "QR AA NOERROR", n, None,
                             authority=self.soa(zone) + self.proof(zone, self.denial(zone, n, False))))
        for c in self.cuts(zone):
            auth = rr_lines(c, z.get_node(c).get_rdataset(dns.rdataclass.IN, dns.rdatatype.NS))
            if z.get_node(c).get_rdataset(dns.rdataclass.IN, dns.rdatatype.DS):
                auth += self.with_sigs(zone, c, dns.rdatatype.DS)
            elif self.sigs(zone, z.origin, dns.rdatatype.SOA):
                proof = self.proof(zone, self.denial(zone, c, False))
                if ZONES[zone][3].get("spoil_referral") == c.to_text():
                    proof = [spoil(l) for l in proof]
                auth += proof
            add = []
            for n, node in z.nodes.items():
                if n.is_subdomain(c):
                    rs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.A)
                    if rs:
                        add += rr_lines(n, rs)
            ent.append(entry("subdomain", "QR NOERROR", c, dns.rdatatype.A, authority=auth,
                             additional=add))
        return ent

    def answer(self, qname, qtype):
        """(server zone, rcode, answer lines, extra entry) for a name the
        scenario asks about that needs a synthesised answer."""
        zone = self.zone_of(qname)
        z = self.zones[zone]
        if z.get_node(qname) is not None:
            return None
        wild = N("*", qname.parent())
        if z.get_node(wild) is not None:
            lines = self.with_sigs(zone, wild, qtype, owner=qname)
            # the next closer name (here the query name) does not exist
            den = [self.nsec3_for(zone, qname, True) if self.nsec3param(zone)
                   else self.nsec_for(zone, qname)]
            e = entry("qtype qname", "QR AA NOERROR", qname, qtype, answer=lines,
                      authority=self.proof(zone, den))
            return zone, "NOERROR", lines, e
        e = entry("qname", "QR AA NXDOMAIN", qname, None,
                  authority=self.soa(zone) + self.proof(zone, self.denial(zone, qname, True)))
        return zone, "NXDOMAIN", [], e


def entry(match, reply, qname, qtype, answer=(), authority=(), additional=()):
    t = ["ENTRY_BEGIN", f"MATCH opcode {match}", "ADJUST copy_id", f"REPLY {reply}",
         "SECTION QUESTION", f"{qname} IN {dns.rdatatype.to_text(qtype or dns.rdatatype.A)}"]
    for sec, lines in (("ANSWER", answer), ("AUTHORITY", authority), ("ADDITIONAL", additional)):
        if lines:
            t.append("SECTION " + sec)
            t += lines
    t.append("ENTRY_END")
    return "\n".join(t)


def spoil(line):
    """An RRSIG line with one base64 digit of its signature changed."""
    if line.split()[3] != "RRSIG":
        return line
    head, sig = line.rsplit(" ", 1)
    return f"{head} {sig[:20]}{'B' if sig[20] == 'A' else 'A'}{sig[21:]}"


def strip_sigs(lines):
    return [l for l in lines if " RRSIG " not in l]


# ---- the scenarios ----
# (file, title, comment, extra config lines, steps)
# a step: ("q", name, type, flags, rcode, answer_kind, ede) where answer_kind
# is "data" (the zone's RRset), "none", or a list of lines;  ("sleep", S);
# ("verify", MAX);  ("elapsed", MS)

SCENARIOS = [
    ("dnssec_secure", "secure answers, CD, cache", """; Secure answers get AD (with DO: their RRSIGs), the DS taken from the
; referral (no DS query); a CNAME within a secure zone; AD also without DO when the client sets AD; CD turns
; validation off for a bogus zone; a second query is a cache hit.""", [], [
        ("q", "www.secure.", "A", "DO", "NOERROR AD", "data", None),
        # priming, referral, answer, two DNSKEYs: the DS comes with the referral
        ("upstream", 5),
        ("q", "www.secure.", "TXT", "DO", "NOERROR AD", "data", None),
        ("q", "alias.secure.", "A", "DO", "NOERROR AD", "chain", None),
        ("upstream", 1000),
        ("q", "www.secure.", "A", "AD", "NOERROR AD", "nosig", None),
        ("upstream", 0),
        ("q", "www.bogus.", "A", "DO CD", "NOERROR CD", "data", None),
        ("q", "www.bogus.", "A", "DO", "SERVFAIL", "none", 6),
    ]),
    ("dnssec_insecure", "insecure delegations proven by NSEC and NSEC3", """; A delegation without DS, proven by the parent's NSEC (root) and
; NSEC3 (nsec3.): the answers are NOERROR without AD.""", [], [
        ("q", "www.insecure.", "A", "DO", "NOERROR", "data", None),
        ("q", "www.unsigned.nsec3.", "A", "DO", "NOERROR", "data", None),
    ]),
    ("dnssec_denial", "NXDOMAIN and wildcards with NSEC and NSEC3", """; NXDOMAIN proven by NSEC and by NSEC3 (closest encloser, next closer,
; wildcard), NODATA, and wildcard expansions proven by NSEC and NSEC3:
; all secure (AD).""", [], [
        ("q", "nx.secure.", "A", "DO", "NXDOMAIN AD", "none", None),
        ("q", "nx.nsec3.", "A", "DO", "NXDOMAIN AD", "none", None),
        ("q", "www.secure.", "MX", "DO", "NOERROR AD", "none", None),
        ("q", "www.nsec3.", "MX", "DO", "NOERROR AD", "none", None),
        ("q", "foo.wild.secure.", "A", "DO", "NOERROR AD", "data", None),
        ("q", "foo.wild.nsec3.", "A", "DO", "NOERROR AD", "data", None),
    ]),
    ("dnssec_bogus", "bogus, expired and missing keys", """; A bad signature (EDE 6 DNSSEC Bogus), signatures past their
; expiration (EDE 7 Signature Expired) and a DS that matches no DNSKEY
; (EDE 9 DNSKEY Missing) give SERVFAIL; CD gives the data without AD.""", [], [
        ("q", "www.bogus.", "A", "DO", "SERVFAIL", "none", 6),
        ("q", "www.expired.", "A", "DO", "SERVFAIL", "none", 7),
        ("q", "www.nokey.", "A", "DO", "SERVFAIL", "none", 9),
        ("q", "www.expired.", "A", "DO CD", "NOERROR CD", "data", None),
    ]),
    ("dnssec_nta", "negative trust anchor", """; domain-insecure (a negative trust anchor, RFC 7646) makes bogus.
; insecure: its answer comes back without AD instead of SERVFAIL, while
; other zones are still validated.""", ['\tdomain-insecure: "bogus."'], [
        ("q", "www.bogus.", "A", "DO", "NOERROR", "data", None),
        ("q", "www.secure.", "A", "DO", "NOERROR AD", "data", None),
        ("q", "www.expired.", "A", "DO", "SERVFAIL", "none", 7),
    ]),
    ("dnssec_keytrap", "KeyTrap: colliding key tags and many signatures", """; KeyTrap (CVE-2023-50387): keytrap.'s DNSKEY RRset holds 25 keys with
; the same key tag, and www.keytrap. A carries 16 RRSIGs naming that tag,
; none of which verifies (up to 400 verifications if all were tried).
; The answer is SERVFAIL, the verifications stay within the budget
; (max-validations) and the resolution takes no time on the fake clock
; beyond its round trips.""", ["\tmax-validations: 96"], [
        ("q", "www.keytrap.", "A", "DO", "SERVFAIL", "none", 6),
        ("verify", 96),
        ("elapsed", 1000),
    ]),
    ("dnssec_optout", "NSEC3 opt-out", """; optout. is signed with NSEC3 opt-out: its unsigned delegation
; unsigned.optout. has no NSEC3 of its own.  The referral proves it
; insecure by the closest encloser proof whose NSEC3 covering the next
; closer name has the opt-out flag (RFC 5155 §8.6, §8.9): the answer below
; it is NOERROR without AD, not bogus, and that proof, cached with the
; referral, also answers the validator's DS question (no DS query).
; The converse: an opt-out span cannot prove a name absent, since an
; unsigned delegation may hide in it (RFC 5155 §12.2), so NXDOMAIN proven
; only through an opt-out NSEC3 is insecure: no AD, not bogus, and never
; synthesised for another name of the span (RFC 8198 §5.1: only secure
; denials; every such name is asked upstream).  Names with an NSEC3 of
; their own are still secure (AD): data and NODATA.""", [], [
        ("q", "www.unsigned.optout.", "A", "DO", "NOERROR", "data", None),
        # priming, the root's referral (with DS), optout.'s referral (with
        # the opt-out proof), the answer, the DNSKEYs of . and optout.
        ("upstream", 6),
        ("q", "nx.optout.", "A", "DO", "NXDOMAIN", "none", None),
        ("upstream", 1),
        ("q", "nx2.optout.", "A", "DO", "NXDOMAIN", "none", None),
        ("upstream", 1),
        ("q", "www.optout.", "A", "DO", "NOERROR AD", "data", None),
        ("q", "www.optout.", "MX", "DO", "NOERROR AD", "none", None),
    ]),
    ("dnssec_ds_cache", "DS proofs from the cache", """; The validator's DS questions are answered from the cache when it holds
; a proof: a client's own DS query (a NODATA with its NSEC, validated and
; cached), and the NSEC3 proof a referral carries.  Neither costs a DS
; query upstream.  A referral proof that does not verify (the root's
; referral to spoiled. carries an NSEC with a broken RRSIG) is not held
; against the zone: the DS is asked for, and the intact proof makes the
; answer insecure, not bogus.""", [], [
        ("q", "insecure.", "DS", "DO", "NOERROR AD", "none", None),
        ("upstream", 1000),
        ("q", "www.insecure.", "A", "DO", "NOERROR", "data", None),
        # the root's referral and the answer; the DS NODATA comes from the cache
        ("upstream", 2),
        ("q", "www.unsigned.nsec3.", "A", "DO", "NOERROR", "data", None),
        # the root's referral (with nsec3.'s DS), nsec3.'s referral (with the
        # NSEC3 proving unsigned.nsec3. has no DS), the answer, nsec3.'s DNSKEY
        ("upstream", 4),
        ("q", "www.spoiled.", "A", "DO", "NOERROR", "data", None),
        ("q", "www.spoiled.", "A", "DO", "NOERROR", "data", None),
    ]),
]

ZONES_BY_SCENARIO = None  # every scenario gets the whole world


def query_entry(name, qtype, flags):
    return "\n".join(["ENTRY_BEGIN", f"REPLY RD {flags}".rstrip(), "SECTION QUESTION",
                      f"{name} IN {qtype}", "ENTRY_END"])


def write_scenario(w, spec):
    fname, title, comment, conf, steps = spec
    extra = {}
    expect = []
    for st in steps:
        if st[0] != "q":
            continue
        _, name, qtype, flags, rc, kind, ede = st
        qn, qt = N(name), dns.rdatatype.from_text(qtype)
        syn = w.answer(qn, qt)
        zone = w.zone_of(qn)
        if syn:
            zone, _rc, lines, e = syn
            extra.setdefault(zone, [])
            if e not in extra[zone]:
                extra[zone].append(e)
        else:
            lines = []
            node = w.zones[zone].get_node(qn)
            if node.get_rdataset(dns.rdataclass.IN, qt):
                lines = w.with_sigs(zone, qn, qt)
            cn = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cn:
                target = list(cn)[0].target
                lines = w.with_sigs(zone, qn, dns.rdatatype.CNAME) + \
                    w.with_sigs(w.zone_of(target), target, qt)
        expect.append(lines)
    out = [f"; {fname}.rpl: {title}.  Written by mkdnssec.py: do not edit.", comment,
           "server:", "\tqname-minimisation: no", f'\tval-override-date: "{NOW}"']
    out += [f'\ttrust-anchor: "{l}"' for l in w.root_ds]
    out += conf
    out += ["stub-zone:", '\tname: "."', f"\tstub-addr: {ROOT_ADDR}", "CONFIG_END", "",
            f"SCENARIO_BEGIN {fname}: {title}"]
    for zone, (addr, *_r) in ZONES.items():
        out += ["", f"; the servers of {zone}", "RANGE_BEGIN 0 1000", f"\tADDRESS {addr}"]
        out += w.entries(zone, extra.get(zone, []))
        out.append("RANGE_END")
    stepno, k = 1, 0
    for st in steps:
        out.append("")
        if st[0] == "upstream":
            out.append(f"STEP {stepno} CHECK_UPSTREAM MAX {st[1]}")
        elif st[0] == "verify":
            out.append(f"STEP {stepno} CHECK_VERIFICATIONS MAX {st[1]}")
        elif st[0] == "elapsed":
            out.append(f"STEP {stepno} CHECK_ELAPSED MAX {st[1]}")
        else:
            _, name, qtype, flags, rc, kind, ede = st
            lines = expect[k]
            k += 1
            if kind == "none":
                lines = []
            if kind == "nosig" or "DO" not in flags:
                lines = strip_sigs(lines)
            out.append(f"STEP {stepno} QUERY")
            out.append(query_entry(name, qtype, flags))
            stepno += 1
            cd = " CD" if "CD" in flags else ""
            ad = " AD" if "AD" in rc.split() else ""
            code = rc.split()[0]
            t = ["ENTRY_BEGIN", "MATCH all" + (f" ede={ede}" if ede is not None else ""),
                 f"REPLY QR RD RA{ad}{cd} {code}", "SECTION ANSWER"] + lines + ["ENTRY_END"]
            out.append(f"STEP {stepno} CHECK_ANSWER")
            out.append("\n".join(t))
        stepno += 1
    out.append("SCENARIO_END")
    with open(os.path.join(HERE, fname + ".rpl"), "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    """mkdnssec.py [NAME...]: write the named scenarios (default: all)."""
    names = sys.argv[1:]
    unknown = set(names) - {spec[0] for spec in SCENARIOS}
    if unknown:
        sys.exit(f"mkdnssec.py: no scenario {', '.join(sorted(unknown))}")
    work = tempfile.mkdtemp(prefix="mkdnssec.")
    try:
        w = World(work)
        for spec in SCENARIOS:
            if not names or spec[0] in names:
                write_scenario(w, spec)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
