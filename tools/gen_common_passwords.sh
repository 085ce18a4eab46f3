#!/bin/sh
# Regenerates data/common-passwords.txt from two public password lists in
# Debian's archive (see data/README.md for sources and licences):
#   john-data      /usr/share/john/password.lst               (3,546 entries)
#   python3-zxcvbn .../zxcvbn/frequency_lists.py, "passwords"  (30,000 entries)
# Output: lower-cased (ASCII), comments and empty lines dropped, deduplicated,
# sorted bytewise (LC_ALL=C), one password per line. The policy's run-time
# lookup relies on exactly this form.
#
# Usage: tools/gen_common_passwords.sh [OUTPUT]   (default data/common-passwords.txt)
# Uses the installed packages when present, else fetches the .debs with
# `apt-get download` (no root needed, nothing is installed).
set -eu
LC_ALL=C
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/data/common-passwords.txt"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The versions data/README.md describes; another version only warns.
expected_john=1.9.0-2
expected_zxcvbn=4.4.28-3

# package_file PACKAGE PATH -> prints a readable copy of PATH from PACKAGE and
# records the package's version in $work/PACKAGE.version.
package_file() {
    pkg=$1 path=$2
    if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] \
        && [ -r "$path" ]; then
        dpkg-query -W -f='${Version}' "$pkg" >"$work/$pkg.version"
        printf '%s\n' "$path"
        return
    fi
    mkdir -p "$work/deb-$pkg" "$work/root-$pkg"
    (cd "$work/deb-$pkg" && apt-get download -q "$pkg" >&2)
    deb=$(ls "$work/deb-$pkg"/*.deb)
    dpkg-deb -f "$deb" Version >"$work/$pkg.version"
    dpkg-deb -x "$deb" "$work/root-$pkg"
    printf '%s\n' "$work/root-$pkg$path"
}

john_list=$(package_file john-data /usr/share/john/password.lst)
zxcvbn_py=$(package_file python3-zxcvbn /usr/lib/python3/dist-packages/zxcvbn/frequency_lists.py)

check_version() {
    got=$(cat "$work/$1.version")
    echo "gen_common_passwords: $1 $got" >&2
    if [ "$got" != "$2" ]; then
        echo "gen_common_passwords: warning: $1 is $got, data/README.md names $2; update it" >&2
    fi
}
check_version john-data "$expected_john"
check_version python3-zxcvbn "$expected_zxcvbn"

# John's list: one password per line, "#!comment:" lines are its header.
grep -v '^#!comment' "$john_list" >"$work/john.txt"

# zxcvbn's list is one Python line: "passwords": "a,b,c,...".split(","),
# Entries hold no commas; \X is a Python escape for X (one entry is pic\'s).
sed -n '/^ *"passwords": "/{
s/^ *"passwords": "//
s/"\.split(",") *,\{0,1\} *$//
p
q
}' "$zxcvbn_py" | tr ',' '\n' | sed 's/\\\(.\)/\1/g' >"$work/zxcvbn.txt"
if [ "$(wc -l <"$work/zxcvbn.txt")" -lt 20000 ]; then
    echo "gen_common_passwords: zxcvbn's list not found where expected in $zxcvbn_py" >&2
    exit 1
fi

# ASCII-only lower-casing, exactly what the run-time lookup does.
# shellcheck disable=SC2018,SC2019
cat "$work/john.txt" "$work/zxcvbn.txt" \
    | tr -d '\r' \
    | tr 'A-Z' 'a-z' \
    | grep -v '^$' \
    | sort -u >"$work/common-passwords.txt"

count=$(wc -l <"$work/common-passwords.txt")
if [ "$count" -lt 10000 ]; then
    echo "gen_common_passwords: only $count entries, expected at least 10000" >&2
    exit 1
fi
mv "$work/common-passwords.txt" "$out"
echo "gen_common_passwords: wrote $count entries to $out" >&2
