/** The objects the benchmarks write: small and realistic, as a Deployment's pods would be. */

export function podJson(namespace: string, name: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: "bench", tier: "web", "pod-template-hash": "7d4b9c8f5" } },
    spec: {
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          ports: [{ containerPort: 80, name: "http" }],
          env: [{ name: "MODE", value: "bench" }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
          readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5 },
        },
      ],
    },
  });
}

export function configMapJson(namespace: string, name: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels: { app: "bench" } },
    data: { "app.properties": "mode=bench\nlevel=info\n", greeting: "hello" },
  });
}

export function namespaceJson(name: string): string {
  return JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}
