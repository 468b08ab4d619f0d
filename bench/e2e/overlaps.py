"""Every overlapping pair among the prefixes of a file, with Python's ipaddress (bench/e2e peer).

Sort by (family, first address, shorter prefix first), then one stack sweep: two prefixes
overlap only when one contains the other, so the stack holds the chain of prefixes containing
the current one. Prints the pairs exactly as `aksnet cidr overlaps FILE` does (text), sorted by
input order; with --count, only the number of pairs.

Usage: python3 overlaps.py [--count] FILE
"""
import ipaddress
import sys


def main() -> None:
    args = sys.argv[1:]
    count_only = "--count" in args
    args = [a for a in args if a != "--count"]
    if len(args) != 1:
        sys.exit("usage: overlaps.py [--count] FILE")
    path = args[0]
    values = []  # (interface as written, network, line)
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip(" \t\r\n")
            # "#" starts a comment at line start or after a blank (aksnet's rule).
            for k, c in enumerate(line):
                if c == "#" and (k == 0 or line[k - 1] in " \t"):
                    line = line[:k].rstrip(" \t")
                    break
            if not line:
                continue
            iface = ipaddress.ip_interface(line)
            values.append((iface, iface.network, lineno))

    order = sorted(range(len(values)), key=lambda i: (values[i][1].version, int(values[i][1].network_address), values[i][1].prefixlen))
    pairs = []
    stack = []  # indices; each contains the next
    for i in order:
        net = values[i][1]
        first = int(net.network_address)
        while stack and (values[stack[-1]][1].version != net.version or int(values[stack[-1]][1].broadcast_address) < first):
            stack.pop()
        for j in stack:
            pairs.append((j, i) if j < i else (i, j))
        stack.append(i)

    if count_only:
        print(len(pairs))
        return
    pairs.sort()
    out = []
    for i, j in pairs:
        a, b = values[i], values[j]
        verb = "is the same range as" if a[1].prefixlen == b[1].prefixlen else "contains" if a[1].prefixlen < b[1].prefixlen else "is inside"
        out.append(f"{a[0]} ({path}:{a[2]}) {verb} {b[0]} ({path}:{b[2]})\n")
    sys.stdout.write("".join(out))
    print(f"{len(pairs)} overlapping pairs among {len(values)} prefixes", file=sys.stderr)


if __name__ == "__main__":
    main()
