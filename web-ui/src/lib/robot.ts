/** Base64 of a UTF-8 string, in browsers and Node alike. */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The `.dockerconfigjson` document for one registry credential. */
export function dockerConfigJson(host: string, username: string, secret: string): string {
  return JSON.stringify({ auths: { [host]: { auth: base64(`${username}:${secret}`) } } });
}

/** A Kubernetes Secret of type kubernetes.io/dockerconfigjson holding the credential. */
export function kubernetesSecretManifest(host: string, username: string, secret: string, name = "berth-pull-secret"): string {
  return [
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    `  name: ${name}`,
    "type: kubernetes.io/dockerconfigjson",
    "data:",
    `  .dockerconfigjson: ${base64(dockerConfigJson(host, username, secret))}`,
    "",
  ].join("\n");
}

/** `docker login` reading the secret from standard input; the name is single-quoted for the shell. */
export function dockerLoginCommand(host: string, username: string): string {
  return `docker login ${host} -u '${username.replace(/'/g, `'\\''`)}' --password-stdin`;
}

/** A Kubernetes-safe secret name derived from a robot name such as `robot$demo+ci`. */
export function k8sSecretName(robotName: string): string {
  const cleaned = robotName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return (cleaned || "berth") + "-pull-secret";
}
