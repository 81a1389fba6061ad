#!/bin/sh
# Builds the calltap Debian package for this distribution from a built binary.
#
#   deploy/debian/build-deb.sh [--fast] [--manual calltap.1] BINARY OUTDIR
#
# `make deb` runs it on a release binary with the Swift runtime linked statically and the manual
# swift-argument-parser's generate-manual tool wrote; DebPackageLiveTests on the debug binary, --fast.
# Libraries the binary loads that no Debian package provides (the toolchain's Swift runtime, when
# it is not linked statically) are shipped in /usr/lib/calltap, found there by the binary's
# RUNPATH ($ORIGIN/../lib/calltap). Depends is what dpkg-shlibdeps finds for the binary and those
# libraries. The version is `BINARY --version`. Prints the path of the package it wrote.
#
#   --fast          gzip -1 instead of xz: for tests, which install the package and throw it away
#   --manual FILE   the calltap(1) page (mdoc), installed gzipped
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

fail() { echo "build-deb: $*" >&2; exit 2; }

compression="-Zxz"
manual=""
while [ $# -gt 0 ]; do
	case "$1" in
	--fast) compression="-Zgzip -z1"; shift ;;
	--manual) [ $# -ge 2 ] || fail "--manual needs a file"; manual=$2; shift 2 ;;
	--) shift; break ;;
	-*) fail "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || fail "usage: build-deb.sh [--fast] [--manual calltap.1] BINARY OUTDIR"
binary=$1
out=$2
[ -x "$binary" ] || fail "$binary: not an executable file"
[ -z "$manual" ] || [ -f "$manual" ] || fail "--manual $manual: no such file"
for tool in dpkg-deb dpkg-shlibdeps dpkg-query patchelf strip objdump gzip; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (make deb installs dpkg-dev, patchelf and binutils)"
done

version=$("$binary" --version) || fail "$binary --version failed"
echo "$version" | grep -Eq '^[0-9][A-Za-z0-9.+~-]*$' || fail "'$version' (from $binary --version) is not a Debian version"
architecture=$(dpkg --print-architecture)
maintainer=$(sed -n 's/^Maintainer: //p' "$here/control.in")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/debian/calltap
umask 022
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/etc/calltap" "$pkg/lib/systemd/system" \
	"$pkg/usr/share/doc/calltap" "$pkg/usr/share/bash-completion/completions" \
	"$pkg/usr/share/zsh/vendor-completions" "$pkg/usr/share/fish/vendor_completions.d"

# The binary, without what only a debugger wants (as dh_strip leaves an executable).
install -m 0755 "$binary" "$pkg/usr/bin/calltap"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$pkg/usr/bin/calltap"

# Every library the binary loads, directly or through another, that no package provides.
ldd "$binary" > "$work/ldd" || fail "ldd $binary failed"
if grep -q "not found" "$work/ldd"; then fail "$binary needs libraries this machine lacks: $(grep 'not found' "$work/ldd" | tr -s ' \t\n' ' ')"; fi
awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' "$work/ldd" > "$work/loaded"
# Each path as dpkg may list it (under /lib or /usr/lib: merged /usr), asked in one dpkg-query.
while read -r name path; do
	for form in "$path" "$(readlink -f "$path")"; do printf '%s\n%s\n%s\n' "$form" "${form#/usr}" "/usr$form"; done
done < "$work/loaded" | sort -u > "$work/candidates"
xargs dpkg-query -S < "$work/candidates" 2>/dev/null | sed 's/^.*: //' | sort -u > "$work/owned" || true
shipped=""
while read -r name path; do
	real=$(readlink -f "$path")
	if printf '%s\n' "$path" "${path#/usr}" "/usr$path" "$real" "${real#/usr}" "/usr$real" | grep -qxF -f "$work/owned"; then
		continue
	fi
	mkdir -p "$pkg/usr/lib/calltap"
	install -m 0644 "$path" "$pkg/usr/lib/calltap/$name"
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$pkg/usr/lib/calltap/$name"
	patchelf --set-rpath '$ORIGIN' "$pkg/usr/lib/calltap/$name"
	shipped="$shipped $name"
done < "$work/loaded"
if [ -n "$shipped" ]; then
	# Relative, so that the binary finds them also in a root that is not / (dpkg --root).
	patchelf --set-rpath '$ORIGIN/../lib/calltap' "$pkg/usr/bin/calltap"
else
	# A static Swift runtime: the toolchain's RUNPATH would only point at a directory this machine has.
	patchelf --remove-rpath "$pkg/usr/bin/calltap"
fi

# The default configuration: Config/calltap.yaml (every key, documented) with the storage root
# the package makes.
{
	echo "# /etc/calltap/calltap.yaml: read by \`calltap serve\` (calltap.service). Set capture.interfaces to"
	echo "# the mirror port, check with \`calltap check-config /etc/calltap/calltap.yaml\`, then"
	echo "# \`systemctl start calltap\`; \`systemctl reload calltap\` reloads agents and policies."
	echo "# Upgrades keep your changes to this file (a dpkg conffile)."
	echo "#"
	# Sealed by default, with the key made at first start in the storage root's folder.
	sed -e 's|^  root: \./recordings$|  root: /var/lib/calltap|' \
	    -e 's|^  # sealing:$|  sealing:|' -e 's|^  #   keyFile: \./seal\.key$|    keyFile: /var/lib/calltap/seal.key|' "$repo/Config/calltap.yaml"
} > "$pkg/etc/calltap/calltap.yaml"
grep -q '^  root: /var/lib/calltap$' "$pkg/etc/calltap/calltap.yaml" \
	|| fail "Config/calltap.yaml has no line '  root: ./recordings' to point at /var/lib/calltap"
grep -q '^    keyFile: /var/lib/calltap/seal.key$' "$pkg/etc/calltap/calltap.yaml" \
	|| fail "Config/calltap.yaml has no lines '  # sealing:' and '  #   keyFile: ./seal.key' to turn sealing on"
"$binary" check-config "$pkg/etc/calltap/calltap.yaml" >/dev/null || fail "the default configuration does not pass check-config"

install -m 0644 "$here/calltap.service" "$pkg/lib/systemd/system/calltap.service"

# Shell completions, as ArgumentParser writes them for this binary (bash's without its #! line:
# bash-completion sources the file).
"$binary" --generate-completion-script bash | sed '1{/^#!/d}' > "$pkg/usr/share/bash-completion/completions/calltap"
"$binary" --generate-completion-script zsh > "$pkg/usr/share/zsh/vendor-completions/_calltap"
"$binary" --generate-completion-script fish > "$pkg/usr/share/fish/vendor_completions.d/calltap.fish"

if [ -n "$manual" ]; then
	mkdir -p "$pkg/usr/share/man/man1"
	gzip -9n < "$manual" > "$pkg/usr/share/man/man1/calltap.1.gz"
fi

# A native package (the version has no Debian revision): its changelog is changelog.gz.
install -m 0644 "$here/copyright" "$pkg/usr/share/doc/calltap/copyright"
sed -e "s|@VERSION@|$version|g" -e "s|@MAINTAINER@|$maintainer|" \
	-e "s|@DATE@|$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}")|" \
	"$here/changelog.in" | gzip -9n > "$pkg/usr/share/doc/calltap/changelog.gz"

# Depends: the packages of the libraries the binary and the shipped libraries need, at the
# versions their symbols ask for; dpkg-shlibdeps wants a debian/control to read.
printf 'Source: calltap\n\nPackage: calltap\nArchitecture: any\n' > "$work/debian/control"
set -- "$pkg/usr/bin/calltap"
for name in $shipped; do set -- "$@" "$pkg/usr/lib/calltap/$name"; done
# Its warnings that the shipped libraries have no versioned soname (each said twice) are left out.
shlibs=$(cd "$work" && dpkg-shlibdeps -O "$@" 2> "$work/shlibdeps.log") || fail "dpkg-shlibdeps failed: $(cat "$work/shlibdeps.log")"
grep -v "can't extract name and version from library name" "$work/shlibdeps.log" >&2 || true
depends=$(echo "$shlibs" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || fail "dpkg-shlibdeps found no dependencies: $shlibs"
# postinst makes the system user with useradd.
depends="$depends, passwd"

install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$pkg/DEBIAN/"
install -m 0644 "$here/conffiles" "$pkg/DEBIAN/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCHITECTURE@|$architecture|" -e "s|@DEPENDS@|$depends|" \
	-e "s|@INSTALLED_SIZE@|$installed_size|" "$here/control.in" > "$pkg/DEBIAN/control"

mkdir -p "$out"
deb="$out/calltap_${version}_${architecture}.deb"
# shellcheck disable=SC2086 # $compression is two options
dpkg-deb --root-owner-group $compression --build "$pkg" "$deb" >/dev/null
echo "$deb"
