// A Kubernetes Indexed Job that runs one shard of a sweep per completion index: the pod's
// JOB_COMPLETION_INDEX becomes --shard INDEX/N, and each pod writes its part to a shared volume.
import { stringify } from "yaml";

export interface JobOptions {
  /** The spec file's name inside the ConfigMap (and the pod). */
  specName: string;
  specText: string;
  shards: number;
  image: string;
  name: string;
  /** Extra flags for every shard (e.g. --show feasible --format csv). */
  args: string[];
  parallelism?: number;
  workersPerPod?: number;
  cpu?: string;
  memory?: string;
  /** PersistentVolumeClaim the parts go to (ReadWriteMany); none = an emptyDir, parts printed to the log. */
  claim?: string;
}

export function k8sJobManifest(o: JobOptions): string {
  const labels = { "app.kubernetes.io/name": "aksnet-sweep", "aksnet.dev/sweep": o.name };
  const configMap = {
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name: `${o.name}-spec`, labels },
    data: { [o.specName]: o.specText },
  };
  const out = o.claim ? `/parts/part-$(JOB_COMPLETION_INDEX).part` : "-";
  const shellArgs = [
    "aksnet", "sweep", `/spec/${o.specName}`, "--shard", `$(JOB_COMPLETION_INDEX)/${o.shards}`, "--quiet",
    ...(o.workersPerPod ? ["--workers", String(o.workersPerPod)] : []), ...o.args, ...(out === "-" ? [] : ["--output", out]),
  ];
  const job = {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name: o.name, labels },
    spec: {
      completionMode: "Indexed",
      completions: o.shards,
      parallelism: o.parallelism ?? o.shards,
      backoffLimitPerIndex: 2,
      maxFailedIndexes: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "sweep",
            image: o.image,
            // Kubernetes expands $(JOB_COMPLETION_INDEX) from the env var the Job controller sets.
            command: shellArgs.slice(0, 1),
            args: shellArgs.slice(1),
            resources: { requests: { cpu: o.cpu ?? "2", memory: o.memory ?? "512Mi" }, limits: { memory: o.memory ?? "512Mi" } },
            volumeMounts: [{ name: "spec", mountPath: "/spec", readOnly: true }, ...(o.claim ? [{ name: "parts", mountPath: "/parts" }] : [])],
          }],
          volumes: [
            { name: "spec", configMap: { name: `${o.name}-spec` } },
            ...(o.claim ? [{ name: "parts", persistentVolumeClaim: { claimName: o.claim } }] : []),
          ],
        },
      },
    },
  };
  return `# aksnet sweep as a Kubernetes Indexed Job: ${o.shards} shards of ${o.specName}.\n` +
    `# Each pod runs shard $JOB_COMPLETION_INDEX/${o.shards}; merge the parts with: aksnet sweep merge part-*.part\n` +
    "---\n" + stringify(configMap) + "---\n" + stringify(job);
}
