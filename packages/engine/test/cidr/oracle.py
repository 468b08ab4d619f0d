"""Independent oracle: Python 3's ipaddress module answers the same questions as the engine.

Reads {"parse": [str], "merge": [[str]], "exclude": [[[str], [str]]], "overlaps": [[str]]}
as JSON on stdin and writes the answers as JSON on stdout. Values are (family, int, prefixlen)
triples so that formatting differences (Python 3.11 prints ::ffff:1.2.3.4 as ::ffff:102:304)
do not hide or fake a mismatch; compressed text is compared too, except for IPv4-mapped.
"""
import ipaddress
import json
import sys


def triple(net):
    return [net.version, str(int(net.network_address)), net.prefixlen]


def parse(s):
    try:
        net = ipaddress.ip_network(s, strict=False)
    except ValueError:
        return None
    # The address as written (ip_network masks it), from the part before "/".
    addr = ipaddress.ip_address(s.split("/")[0])
    return [net.version, str(int(addr)), net.prefixlen, str(addr)]


def nets(strs):
    return [ipaddress.ip_network(s, strict=False) for s in strs]


def collapse(ns):
    out = []
    for v in (4, 6):
        out.extend(ipaddress.collapse_addresses([n for n in ns if n.version == v]))
    return out


def exclude(a, b):
    current = collapse(nets(a))
    for cut in collapse(nets(b)):
        nxt = []
        for n in current:
            if n.version != cut.version or not n.overlaps(cut):
                nxt.append(n)
            elif cut.subnet_of(n):
                nxt.extend(n.address_exclude(cut))
            # else n lies inside cut: dropped
        current = nxt
    return collapse(current)


def overlaps(strs):
    ns = nets(strs)
    return [[i, j] for i in range(len(ns)) for j in range(i + 1, len(ns))
            if ns[i].version == ns[j].version and ns[i].overlaps(ns[j])]


def main():
    q = json.load(sys.stdin)
    json.dump({
        "parse": [parse(s) for s in q["parse"]],
        "merge": [[triple(n) for n in collapse(nets(c))] for c in q["merge"]],
        "exclude": [[triple(n) for n in exclude(a, b)] for a, b in q["exclude"]],
        "overlaps": [overlaps(c) for c in q["overlaps"]],
    }, sys.stdout)


main()
