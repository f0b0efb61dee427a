# Images for sharecast. Build with Docker Buildx (docs/docker.md):
#
#   docker buildx bake armv7                 the ARMv7 board image (Pi, ODROID HC1), Node.js 22
#   docker buildx bake armv7-debian          the same board on Debian 13's own nodejs (beyond April 2027)
#   docker buildx bake                       armv7, armv7-debian, arm64 and amd64
#   VERSION=0.2.0 docker buildx bake armv7   another version tag
#   docker buildx bake --push                push all three to IMAGE's registry
#
# Every image comes from Dockerfile.armv7: its build stage runs on the builder's
# own platform and its runtime stage only copies files, so no target needs
# QEMU or binfmt on the build machine.
#
# Each target names the Node.js it runs (NODE_LINE, and RUNTIME: the Node.js
# project's image or Debian's nodejs package). bin/node-lines.json holds the
# end-of-life dates; test/integration/build/dockerfile-lint.test.ts fails any
# target whose runtime is past its date on the day it runs, so a line that
# ends is noticed here before an image with it ships.

variable "IMAGE" {
  # Repository part of the tags, e.g. ghcr.io/you/sharecast for --push.
  default = "sharecast"
}

variable "VERSION" {
  # Kept equal to package.json's version by test/build/dockerfile-lint.test.ts.
  default = "0.1.0"
}

variable "TAG_LATEST" {
  # Also tag IMAGE:armv7, IMAGE:armv7-debian, IMAGE:arm64, IMAGE:amd64 (the "latest" of each).
  default = true
}

variable "NODE_LINE_ARMV7" {
  # Node.js 22: the last line with official 32-bit ARM builds (24 and later
  # have none; nodejs/node#58071, nodejs/build#4071). Supported until
  # 2027-04-30; after that, use armv7-debian (docs/docker.md, "April 2027").
  default = "22"
}

variable "NODE_VARIANT_ARMV7" {
  # node:22-trixie-slim has no linux/arm/v7 image; bookworm-slim is 22's only
  # Debian-based armv7 variant (Debian 12, LTS until 2028-06-30).
  default = "bookworm-slim"
}

variable "NODE_LINE_ARM64" {
  # The Node.js project's current LTS line with an arm64 image: 24, supported
  # until 2028-04-30. (26 became Active LTS on 2026-10-28; it is not yet in
  # package.json's tested engines.)
  default = "24"
}

variable "NODE_LINE_AMD64" {
  # As for arm64: Node.js 24, supported until 2028-04-30.
  default = "24"
}

variable "NODE_VARIANT_64" {
  # Debian 13 under the arm64 and amd64 Node.js images.
  default = "trixie-slim"
}

variable "DEBIAN_SUITE_ARMV7" {
  # armv7-debian: Debian 13 "trixie" ships Node.js 20 (nodejs 20.19.2+dfsg)
  # for armhf, with Debian's security support until 2028-08-09 (LTS to
  # 2030-06-30). Of the 32-bit ARM runtimes that build today it lasts
  # longest: the Node.js project's own ends with 22 on 2027-04-30.
  default = "trixie"
}

variable "NODE_LINE_ARMV7_DEBIAN" {
  # The line of DEBIAN_SUITE_ARMV7's nodejs package; the build checks it.
  default = "20"
}

variable "BUILD_NODE_LINE" {
  # Node.js of the build stage, which runs on the builder (amd64 or arm64) and
  # only makes JavaScript: the current LTS.
  default = "24"
}

variable "REVISION" {
  # Git commit, for the org.opencontainers.image.revision label.
  default = ""
}

variable "CREATED" {
  # Build time (RFC 3339), for the org.opencontainers.image.created label.
  default = ""
}

variable "SOURCE" {
  # URL of the source repository, for the org.opencontainers.image.source label.
  default = ""
}

variable "CACHE" {
  # Where the layer cache is kept between CI runs:
  #   ""         none beyond the builder's own (right for a developer machine)
  #   "gha"      GitHub Actions cache service
  #   "registry" image registry, at CACHE_REF:<target>
  #   "local"    a folder, CACHE_DIR/<target> (for CI systems that keep folders)
  default = ""
}

variable "CACHE_REF" {
  # For CACHE=registry: a repository for cache manifests, e.g. ghcr.io/you/sharecast-cache.
  default = "${IMAGE}-buildcache"
}

variable "CACHE_DIR" {
  default = ".buildx-cache"
}

function "tags_for" {
  params = [arch]
  result = concat(["${IMAGE}:${VERSION}-${arch}"], TAG_LATEST ? ["${IMAGE}:${arch}"] : [])
}

function "cache_from" {
  params = [arch]
  result = (CACHE == "gha" ? ["type=gha,scope=sharecast-${arch}"] :
    CACHE == "registry" ? ["type=registry,ref=${CACHE_REF}:${arch}"] :
    CACHE == "local" ? ["type=local,src=${CACHE_DIR}/${arch}"] : [])
}

function "cache_to" {
  params = [arch]
  result = (CACHE == "gha" ? ["type=gha,scope=sharecast-${arch},mode=max"] :
    CACHE == "registry" ? ["type=registry,ref=${CACHE_REF}:${arch},mode=max"] :
    CACHE == "local" ? ["type=local,dest=${CACHE_DIR}/${arch},mode=max"] : [])
}

group "default" {
  targets = ["armv7", "armv7-debian", "arm64", "amd64"]
}

# Settings every image shares; the targets below add their platform and Node.js.
target "_common" {
  context    = "."
  dockerfile = "Dockerfile.armv7"
  target     = "runtime"
  args = {
    BUILD_NODE_LINE = BUILD_NODE_LINE
    VERSION         = VERSION
    REVISION        = REVISION
    CREATED         = CREATED
    SOURCE          = SOURCE
  }
}

target "armv7" {
  inherits  = ["_common"]
  platforms = ["linux/arm/v7"]
  args = {
    RUNTIME_PLATFORM = "linux/arm/v7"
    RUNTIME          = "node"
    NODE_LINE        = NODE_LINE_ARMV7
    NODE_VARIANT     = NODE_VARIANT_ARMV7
  }
  tags       = tags_for("armv7")
  cache-from = cache_from("armv7")
  cache-to   = cache_to("armv7")
}

target "armv7-debian" {
  inherits  = ["_common"]
  platforms = ["linux/arm/v7"]
  args = {
    RUNTIME_PLATFORM = "linux/arm/v7"
    RUNTIME          = "debian"
    NODE_LINE        = NODE_LINE_ARMV7_DEBIAN
    DEBIAN_SUITE     = DEBIAN_SUITE_ARMV7
  }
  tags       = tags_for("armv7-debian")
  cache-from = cache_from("armv7-debian")
  cache-to   = cache_to("armv7-debian")
}

target "arm64" {
  inherits  = ["_common"]
  platforms = ["linux/arm64"]
  args = {
    RUNTIME_PLATFORM = "linux/arm64"
    RUNTIME          = "node"
    NODE_LINE        = NODE_LINE_ARM64
    NODE_VARIANT     = NODE_VARIANT_64
  }
  tags       = tags_for("arm64")
  cache-from = cache_from("arm64")
  cache-to   = cache_to("arm64")
}

target "amd64" {
  inherits  = ["_common"]
  platforms = ["linux/amd64"]
  args = {
    RUNTIME_PLATFORM = "linux/amd64"
    RUNTIME          = "node"
    NODE_LINE        = NODE_LINE_AMD64
    NODE_VARIANT     = NODE_VARIANT_64
  }
  tags       = tags_for("amd64")
  cache-from = cache_from("amd64")
  cache-to   = cache_to("amd64")
}
