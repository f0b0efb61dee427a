# Images for sharecast. Build with Docker Buildx (docs/docker.md):
#
#   docker buildx bake armv7                 the ARMv7 board image (Pi, ODROID HC1)
#   docker buildx bake                       armv7, arm64 and amd64
#   VERSION=0.2.0 docker buildx bake armv7   another version tag
#   docker buildx bake --push                push all three to IMAGE's registry
#
# Every image comes from Dockerfile.armv7: its build stage runs on the builder's
# own platform and its runtime stage only copies files, so no target needs
# QEMU or binfmt on the build machine.

variable "IMAGE" {
  # Repository part of the tags, e.g. ghcr.io/you/sharecast for --push.
  default = "sharecast"
}

variable "VERSION" {
  # Kept equal to package.json's version by test/build/dockerfile-lint.test.ts.
  default = "0.1.0"
}

variable "TAG_LATEST" {
  # Also tag IMAGE:armv7, IMAGE:arm64, IMAGE:amd64 (the "latest" of each board).
  default = true
}

variable "NODE_VERSION" {
  # Major version of the node:*-bookworm-slim base images (20 or newer).
  default = "20"
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
  targets = ["armv7", "arm64", "amd64"]
}

# Settings every image shares; the targets below add their platform.
target "_common" {
  context    = "."
  dockerfile = "Dockerfile.armv7"
  target     = "runtime"
  args = {
    NODE_VERSION = NODE_VERSION
    VERSION      = VERSION
    REVISION     = REVISION
    CREATED      = CREATED
    SOURCE       = SOURCE
  }
}

target "armv7" {
  inherits   = ["_common"]
  platforms  = ["linux/arm/v7"]
  args       = { RUNTIME_PLATFORM = "linux/arm/v7" }
  tags       = tags_for("armv7")
  cache-from = cache_from("armv7")
  cache-to   = cache_to("armv7")
}

target "arm64" {
  inherits   = ["_common"]
  platforms  = ["linux/arm64"]
  args       = { RUNTIME_PLATFORM = "linux/arm64" }
  tags       = tags_for("arm64")
  cache-from = cache_from("arm64")
  cache-to   = cache_to("arm64")
}

target "amd64" {
  inherits   = ["_common"]
  platforms  = ["linux/amd64"]
  args       = { RUNTIME_PLATFORM = "linux/amd64" }
  tags       = tags_for("amd64")
  cache-from = cache_from("amd64")
  cache-to   = cache_to("amd64")
}
