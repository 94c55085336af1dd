#!/bin/bash
# mkimage.sh OUT.tar NAME FILE [ARGS...] — build an OCI image-layout tarball offline, holding FILE at /
# (e.g. a .wasm program) with Cmd ["/<basename FILE>", ARGS...]. The same tar works with
#   ctr -a SOCK image import OUT.tar      and      docker load -i OUT.tar
# NAME like docker.io/library/hello:latest. Needs jq.
# Copied unchanged from the project's shared recipe (shared/recipes/containerd-docker/mkimage.sh,
# by the Stasis maintainers) so the repository is self-contained.
set -euo pipefail
OUT=$(realpath -m "$1"); NAME="$2"; FILE="$3"; shift 3
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/rootfs"/{etc,tmp,proc,dev} "$W/layout/blobs/sha256"
cp "$FILE" "$W/rootfs/"; BIN="/$(basename "$FILE")"
echo "root:x:0:0:root:/:/sbin/nologin" > "$W/rootfs/etc/passwd"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$W/rootfs" -cf "$W/layer.tar" .
DIFFID=$(sha256sum "$W/layer.tar" | cut -d' ' -f1)
gzip -n -9 < "$W/layer.tar" > "$W/layer.tgz"
LDIG=$(sha256sum "$W/layer.tgz" | cut -d' ' -f1); LSZ=$(stat -c%s "$W/layer.tgz")
mv "$W/layer.tgz" "$W/layout/blobs/sha256/$LDIG"
CMD=$(jq -c -n --arg b "$BIN" '$ARGS.positional as $a | [$b] + $a' --args "$@")
jq -c -n --arg d "sha256:$DIFFID" --argjson cmd "$CMD" '{architecture:"amd64",os:"linux",created:"1970-01-01T00:00:00Z",
  config:{Env:["PATH=/"],Cmd:$cmd,WorkingDir:"/"},rootfs:{type:"layers",diff_ids:[$d]}}' > "$W/c"
CDIG=$(sha256sum "$W/c"|cut -d' ' -f1); CSZ=$(stat -c%s "$W/c"); mv "$W/c" "$W/layout/blobs/sha256/$CDIG"
jq -c -n --arg c "sha256:$CDIG" --argjson cs "$CSZ" --arg l "sha256:$LDIG" --argjson ls "$LSZ" \
 '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
   config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
   layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$l,size:$ls}]}' > "$W/m"
MDIG=$(sha256sum "$W/m"|cut -d' ' -f1); MSZ=$(stat -c%s "$W/m"); mv "$W/m" "$W/layout/blobs/sha256/$MDIG"
jq -n --arg m "sha256:$MDIG" --argjson ms "$MSZ" --arg n "$NAME" \
 '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",
   manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$ms,
     platform:{architecture:"amd64",os:"linux"},
     annotations:{"io.containerd.image.name":$n,"org.opencontainers.image.ref.name":($n|split(":")|last)}}]}' > "$W/layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$W/layout/oci-layout"
jq -n --arg c "blobs/sha256/$CDIG" --arg l "blobs/sha256/$LDIG" --arg n "${NAME#docker.io/library/}" \
 '[{Config:$c,RepoTags:[$n],Layers:[$l]}]' > "$W/layout/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$W/layout" -cf "$OUT" .
echo "wrote $OUT"
