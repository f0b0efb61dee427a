#!/bin/sh
# Puts Debian's own nodejs package, and what it depends on, into the root file
# tree of another architecture, without running anything of that architecture.
# apt resolves the packages against the tree's dpkg database (so it fetches
# only what the tree lacks) and dpkg-deb unpacks them; each package is then
# recorded in the tree's dpkg database, so `dpkg -l nodejs` and image scanners
# see what the image holds. Maintainer scripts are not run: those of nodejs
# and its libraries only refresh ld.so's cache and alternatives, which the
# program does not need.
#
# Dockerfile.armv7's debian-node stage runs this on the build machine for the
# armv7-debian image; scripts/arm-smoke runs the same file on this machine for
# the armhf tree it serves the demo from.
#
#   debian-node.sh install --root DIR --arch ARCH --suite SUITE --node-line N
#                          [--mirror URL] [--security-mirror URL]
#                          [--keyring FILE] [--user NAME:ID] [--lenient-updates]
#       apt-get's download of nodejs for ARCH from SUITE, SUITE-updates and
#       SUITE-security, checked to be Node.js line N, unpacked and recorded in
#       DIR. --user adds a login-less user and group NAME with uid/gid ID.
#       --lenient-updates goes on with SUITE alone when a mirror's -updates or
#       -security index cannot be read (a test machine's half-synced mirror);
#       an image build never passes it.
#   debian-node.sh register --root DIR DEB...
#       Records already-unpacked packages in DIR's dpkg database (for a
#       `debootstrap --foreign` tree, whose second stage never runs).
set -eu

die() {
  echo "debian-node: $*" >&2
  exit 1
}

command=${1:-}
[ $# -gt 0 ] && shift
root= arch= suite= line= user= lenient=no
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
while [ $# -gt 0 ]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --node-line) line=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --security-mirror) security=$2; shift 2 ;;
    --keyring) keyring=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --lenient-updates) lenient=yes; shift ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) break ;;
  esac
done
[ -n "$root" ] || die "--root is required"
admin=$root/var/lib/dpkg
mkdir -p "$admin/info" "$admin/updates"
touch "$admin/status" "$admin/available"
# The multiarch layout of info/ (pkg:arch.list for Multi-Arch: same packages);
# a debootstrap --foreign tree has no database yet to say so.
[ -f "$admin/info/format" ] || echo 1 >"$admin/info/format"

# Unpacks one .deb into the tree and records it as installed, replacing a
# record of the same package and architecture.
register_deb() {
  deb=$1
  dpkg-deb -x "$deb" "$root"
  pkg=$(dpkg-deb -f "$deb" Package)
  pkgarch=$(dpkg-deb -f "$deb" Architecture)
  name=$pkg
  [ "$(dpkg-deb -f "$deb" Multi-Arch)" = same ] && name=$pkg:$pkgarch
  awk -v p="$pkg" -v a="$pkgarch" 'BEGIN { RS = ""; ORS = "\n\n" }
    { keep = 1; pm = 0; am = 0
      n = split($0, f, "\n")
      for (i = 1; i <= n; i++) { if (f[i] == "Package: " p) pm = 1; if (f[i] == "Architecture: " a) am = 1 }
      if (pm && am) keep = 0
      if (keep) print }' "$admin/status" >"$admin/status.new"
  dpkg-deb -f "$deb" | awk '{ print } /^Package:/ { print "Status: install ok installed" }' >>"$admin/status.new"
  echo >>"$admin/status.new"
  mv "$admin/status.new" "$admin/status"
  dpkg-deb -c "$deb" | awk '{ print $6 }' | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' >"$admin/info/$name.list"
  control=$(mktemp -d)
  dpkg-deb -e "$deb" "$control"
  [ -f "$control/md5sums" ] && cp "$control/md5sums" "$admin/info/$name.md5sums"
  rm -rf "$control"
  echo "debian-node: unpacked $pkg:$pkgarch $(dpkg-deb -f "$deb" Version)"
}

case $command in
  register)
    [ $# -gt 0 ] || die "register: name the .deb files"
    for deb in "$@"; do register_deb "$deb"; done
    exit 0
    ;;
  install) ;;
  *) die "usage: debian-node.sh install|register --root DIR ... (see the top of this file)" ;;
esac

[ -n "$arch" ] && [ -n "$suite" ] && [ -n "$line" ] || die "install needs --arch, --suite and --node-line"
[ -f "$keyring" ] || die "no Debian archive keyring at $keyring"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/cache" "$work/log" "$work/preferences.d"
cat >"$work/sources.list" <<EOF
deb [signed-by=$keyring] $mirror $suite main
deb [signed-by=$keyring] $mirror $suite-updates main
deb [signed-by=$keyring] $security $suite-security main
EOF
# apt sees only the tree: its architecture, its dpkg database, these sources.
cat >"$work/apt.conf" <<EOF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
Acquire::Languages "none";
Dir::State "$work";
Dir::State::Lists "$work/lists";
Dir::State::status "$admin/status";
Dir::Cache "$work/cache";
Dir::Cache::Archives "$work/archives";
Dir::Etc::SourceList "$work/sources.list";
Dir::Etc::SourceParts "$work/none";
Dir::Etc::Preferences "$work/preferences";
Dir::Etc::PreferencesParts "$work/preferences.d";
Dir::Log "$work/log";
Debug::NoLocking "true";
EOF
export APT_CONFIG="$work/apt.conf"

if ! apt-get -q update >"$work/update.log" 2>&1; then
  cat "$work/update.log" >&2
  [ "$lenient" = yes ] || die "apt-get update failed"
  ls "$work/lists" | grep -q "_dists_${suite}_main_binary-${arch}_Packages" || die "no $suite index for $arch"
  echo "debian-node: WARNING: going on without the $suite-updates/$suite-security index this mirror failed to give (--lenient-updates)" >&2
fi
apt-get -q -y --download-only install nodejs >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; die "apt-get could not fetch nodejs for $arch"; }

node_deb=$(ls "$work/archives"/nodejs_*.deb 2>/dev/null | head -n 1)
[ -n "$node_deb" ] || die "apt-get fetched no nodejs package (is it installed in $root already?)"
version=$(dpkg-deb -f "$node_deb" Version)
case $version in
  "$line".*) ;;
  *) die "Debian $suite's nodejs is $version, not Node.js line $line: set NODE_LINE to its line in docker-bake.hcl and check bin/node-lines.json" ;;
esac
for deb in "$work/archives"/*.deb; do register_deb "$deb"; done

if [ -n "$user" ]; then
  name=${user%%:*} id=${user#*:}
  grep -q "^$name:" "$root/etc/group" || echo "$name:x:$id:" >>"$root/etc/group"
  grep -q "^$name:" "$root/etc/passwd" || echo "$name:x:$id:$id::/home/$name:/usr/sbin/nologin" >>"$root/etc/passwd"
  mkdir -p "$root/home/$name"
  chown "$id:$id" "$root/home/$name"
fi
echo "debian-node: Debian $suite's nodejs $version for $arch is in $root"
