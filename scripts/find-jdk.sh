# Sourced by the other scripts: sets JAVA_HOME to a JDK >= 25 or exits with one line saying what to install.
# Looks in JAVA_HOME, then the java on PATH, then /usr/lib/jvm/* and /opt/java/* (newest first).

glint_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

glint_find_jdk() {
  local candidates=() dir
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in $(ls -d /usr/lib/jvm/* /opt/java/* 2>/dev/null | sort -rV); do
    candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    local major
    major=$(glint_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! GLINT_JDK=$(glint_find_jdk); then
  echo "glint: no JDK 25 or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /opt/java); install one, e.g. Temurin 25, and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$GLINT_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
