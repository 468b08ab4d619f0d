// The built-in example cluster that `aksnet plan` shows when no file is given: the same text as
// examples/clusters/overlay-cilium.yaml (a test checks they stay identical).
export const BUILTIN_EXAMPLE_NAME = "built-in example (examples/clusters/overlay-cilium.yaml)";
export const BUILTIN_EXAMPLE = `# aksnet cluster spec: a production cluster on Azure CNI Overlay with the Cilium dataplane.
# This is also the built-in example that \`aksnet plan\` shows when no file is given.
apiVersion: aksnet/v1
name: aks-prod-weu
kubernetesVersion: "1.33"
network:
  model: azure-cni-overlay
  dataplane: cilium
  policy: cilium
  podCidr: 192.168.0.0/16
  serviceCidr: 10.96.0.0/16
  dnsServiceIP: 10.96.0.10
  outbound:
    type: loadBalancer
    managedOutboundIPs: 2
    allocatedOutboundPorts: 1024
vnet:
  name: vnet-aks-prod-weu
  addressSpace: [10.42.0.0/16]
  subnets:
    - name: snet-aks-system
      cidr: 10.42.0.0/26
    - name: snet-aks-ilb
      cidr: 10.42.1.0/27
    - name: snet-aks-apps
      cidr: 10.42.4.0/24
peeredNetworks:
  - name: vnet-hub-weu
    cidrs: [10.40.0.0/16]
onPremises:
  - name: datacenter-ams
    cidrs: [172.16.0.0/12]
nodePools:
  - name: system
    mode: System
    count: 3
    autoscale: { min: 3, max: 5 }
    maxPods: 110
    subnet: snet-aks-system
  - name: apps
    mode: User
    count: 6
    autoscale: { min: 3, max: 40 }
    maxPods: 110
    subnet: snet-aks-apps
    maxSurge: 33%
`;
