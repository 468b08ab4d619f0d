// What the workbench shows on first load, so the page does something useful before any typing.
export const EXAMPLE_PREFIXES = `# Address spaces of a hub-and-spoke estate.
# Edit freely: one prefix or address per line.
10.224.0.0/16        # AKS spoke VNet
10.225.0.0/16        # second spoke
10.226.0.0/15
10.228.0.0/14
10.232.0.0/13
10.224.7.0/24        # also listed on its own
172.16.0.0/20        # hub
172.16.16.0/20
172.16.20.5          # a single address
2001:db8:100::/48
2001:db8:101::/48
`;

/** The spoke's address space and the subnets already carved out of it. */
export const EXAMPLE_SPACE = `10.224.0.0/12        # AKS spoke VNet address space
`;

export const EXAMPLE_USED = `10.224.0.0/16        # aks nodes
10.225.0.0/24        # ingress
10.225.1.0/26        # private endpoints
10.225.4.0/22        # app gateway
`;

export const EXAMPLE_BITS = 24;
export const EXAMPLE_COUNT = 4;
