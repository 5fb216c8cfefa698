import { describe, expect, it } from "vitest";
import { base64, dockerConfigJson, dockerLoginCommand, k8sSecretName, kubernetesSecretManifest } from "./robot";

const decode = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

describe("robot credentials", () => {
  it("builds the dockerconfigjson with base64(name:secret)", () => {
    const json = JSON.parse(dockerConfigJson("registry.example:8080", "robot$demo+ci", "s3cr3t"));
    expect(Object.keys(json.auths)).toEqual(["registry.example:8080"]);
    expect(json.auths["registry.example:8080"].auth).toBe(btoa("robot$demo+ci:s3cr3t"));
    expect(decode(json.auths["registry.example:8080"].auth)).toBe("robot$demo+ci:s3cr3t");
  });

  it("embeds it, base64-encoded, in a Kubernetes Secret", () => {
    const manifest = kubernetesSecretManifest("reg:5000", "robot$p+x", "abc", "p-pull");
    expect(manifest).toContain("type: kubernetes.io/dockerconfigjson");
    expect(manifest).toContain("name: p-pull");
    const data = /\.dockerconfigjson: (\S+)/.exec(manifest)![1];
    expect(JSON.parse(decode(data))).toEqual({ auths: { "reg:5000": { auth: btoa("robot$p+x:abc") } } });
  });

  it("encodes non-ASCII text as UTF-8", () => {
    expect(decode(base64("é"))).toBe("é");
  });

  it("quotes the robot name in the docker login command", () => {
    expect(dockerLoginCommand("reg:5000", "robot$demo+ci")).toBe("docker login reg:5000 -u 'robot$demo+ci' --password-stdin");
    expect(dockerLoginCommand("r", "a'b")).toBe("docker login r -u 'a'\\''b' --password-stdin");
  });

  it("derives a valid Kubernetes name", () => {
    expect(k8sSecretName("robot$demo+ci")).toBe("robot-demo-ci-pull-secret");
  });
});
