#!/usr/bin/env bash
# Validates the compose stack without a Docker engine (CI has none):
#   - docker-compose.yml with docker-compose 1.29.2 `config -q`, installed in a
#     venv at target/compose-venv (made on first run, reused after);
#   - compose/nginx.conf with `nginx -t`, only when nginx is on PATH.
# Run from anywhere: bash compose/check.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$root/target/compose-venv"
dc="$venv/bin/docker-compose"

# docker-compose 1.29.2 imports `pipes`, which Python 3.13 removed: use
# python3 from PATH unless it is that new, then an older python3.x from PATH.
pick_python() {
    local py
    for py in python3 python3.12 python3.11 python3.10 python3.9; do
        if command -v "$py" >/dev/null 2>&1 \
            && "$py" -c 'import sys; sys.exit(sys.version_info >= (3, 13))' 2>/dev/null; then
            echo "$py"
            return
        fi
    done
    echo "compose/check.sh: docker-compose 1.29.2 needs Python < 3.13 on PATH" >&2
    return 1
}

if ! "$dc" version >/dev/null 2>&1; then
    echo "compose/check.sh: installing docker-compose 1.29.2 into target/compose-venv"
    py="$(pick_python)"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    # docker-compose 1.29.2 pins PyYAML<6, which no longer builds; install its
    # dependencies by hand (PyYAML 6 works) and the package without them.
    "$venv/bin/pip" install -q PyYAML==6.0.1 docopt "jsonschema<4" python-dotenv \
        texttable dockerpty distro docker requests "websocket-client<1"
    "$venv/bin/pip" install -q --no-deps docker-compose==1.29.2
    "$dc" version >/dev/null
fi

# The result must not depend on the caller's environment: check both with
# the fallbacks and with the values of .env/compose.sample.
env -u HAIL_JWT_SECRET -u RUST_LOG "$dc" -f docker-compose.yml config -q
env -u HAIL_JWT_SECRET -u RUST_LOG "$dc" -f docker-compose.yml \
    --env-file .env/compose.sample config -q
echo "docker-compose.yml: ok"

bash -n compose/rolling-deploy.sh
echo "compose/rolling-deploy.sh: syntax ok"

# The Grafana dashboard: valid JSON, and every hail_* series it queries is
# one the server exports (histograms through _bucket/_sum/_count).
python3 - <<'PY'
import json, re, sys
dash = json.load(open("compose/grafana/dashboards/hail.json"))
exported = set(re.findall(r'"(hail_[a-z_]+)"', open("server/src/metrics.rs").read()))
missing = set()
for panel in dash["panels"]:
    for target in panel["targets"]:
        for name in re.findall(r"hail_[a-z_]+", target["expr"]):
            if re.sub(r"_(bucket|sum|count)$", "", name) not in exported and name not in exported:
                missing.add(name)
if missing:
    sys.exit(f"compose/grafana/dashboards/hail.json queries unknown metrics: {sorted(missing)}")
print(f"compose/grafana/dashboards/hail.json: ok ({len(dash['panels'])} panels)")
PY

# The Prometheus alert rules: promtool when installed; always parsed here,
# each rule with an alert name and an expression, and every hail_* series
# one the server describes (server/src/metrics.rs `describe_*!`).
if command -v promtool >/dev/null 2>&1; then
    promtool check rules compose/prometheus/alerts.yml
else
    echo "compose/prometheus/alerts.yml: promtool not on PATH, parsing it instead"
fi
"$venv/bin/python" - <<'PY'
import re, sys, yaml
path = "compose/prometheus/alerts.yml"
rules = yaml.safe_load(open(path))
src = open("server/src/metrics.rs").read()
described = set(re.findall(r'describe_(?:counter|gauge|histogram)!\(\s*"(hail_[a-z_]+)"', src))
if not described:
    sys.exit("server/src/metrics.rs: no described metrics found")
problems, n = [], 0
for group in rules.get("groups") or []:
    for rule in group.get("rules") or []:
        n += 1
        name, expr = rule.get("alert"), rule.get("expr")
        if not name or not isinstance(expr, str) or not expr.strip():
            problems.append(f"rule {n}: needs `alert` and `expr`")
            continue
        if expr.count("(") != expr.count(")"):
            problems.append(f"{name}: unbalanced parentheses")
        for metric in re.findall(r"hail_[a-z_]+", expr):
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            if metric not in described and base not in described:
                problems.append(f"{name}: {metric} is not a metric the server describes")
if "alerts.yml" not in open("compose/prometheus.yml").read():
    problems.append("compose/prometheus.yml does not load the rules (rule_files)")
if n == 0:
    problems.append("no rules")
if problems:
    sys.exit(f"{path}:\n  " + "\n  ".join(problems))
print(f"{path}: ok ({n} rules)")
PY

if command -v nginx >/dev/null 2>&1; then
    # Test a copy: the hail1/hail2 names resolve only inside the compose
    # network, and `resolve` needs nginx >= 1.27.3, which the host may lack.
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/logs"
    sed -e 's/ resolve;/;/' -e 's/hail[0-9]*:8080/127.0.0.1:8080/' \
        compose/nginx.conf >"$tmp/nginx.conf"
    # Only the syntax matters: as non-root, nginx -t may still fail later on
    # its compiled-in temp and log paths.
    if out="$(nginx -t -p "$tmp" -c "$tmp/nginx.conf" 2>&1)" \
        || grep -q "syntax is ok" <<<"$out"; then
        echo "compose/nginx.conf: ok ($(nginx -v 2>&1))"
    else
        echo "$out" >&2
        echo "compose/nginx.conf: FAILED" >&2
        exit 1
    fi
else
    echo "compose/nginx.conf: skipped (nginx is not on PATH)"
fi
