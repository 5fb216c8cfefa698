"""Drives Berth with the `oras` Python package: pushes an artifact that refers
to an existing image (`subject`), chunked and monolithic, and pulls it back.
Arguments: host repository user password subject_digest subject_size workdir."""

import os
import sys

import oras.client
import oras.oci

host, repository, user, password, subject_digest, subject_size, workdir = sys.argv[1:8]
client = oras.client.OrasClient(hostname=host, insecure=True)
client.login(username=user, password=password, hostname=host)

os.chdir(workdir)
with open("sbom.json", "w") as f:
    f.write('{"packages": ["berth"]}' * 5000)

subject = oras.oci.Subject(
    mediaType="application/vnd.oci.image.manifest.v1+json",
    digest=subject_digest,
    size=int(subject_size),
)
for tag, chunked in (("sbom-chunked", True), ("sbom", False)):
    response = client.push(
        target=f"{host}/{repository}:{tag}",
        files=["sbom.json"],
        subject=subject,
        do_chunked=chunked,
        chunk_size=16 * 1024,
    )
    assert response.status_code == 201, (tag, response.status_code, response.text)

os.makedirs("out", exist_ok=True)
pulled = client.pull(target=f"{host}/{repository}:sbom", outdir="out")
with open(pulled[0]) as got, open("sbom.json") as sent:
    assert got.read() == sent.read(), "pulled bytes differ"
print("ok")
