#!/bin/sh
# Runs the loyalty analysis through the CRM API with a service account holding only the
# `loyalty:run` scope, and waits for it to end; or, with `check`, says whether an applied
# analysis succeeded recently. docs/scheduling.md explains it; the crontab line, the
# systemd service and the Kubernetes CronJob there all call this file.
#
# POSIX sh with curl, sed, grep and date: it runs as is in the curlimages/curl image
# (BusyBox), on Debian (dash) and under bash. The secret and the access token are passed
# to curl in files of a private temporary folder, never on its command line (`ps` shows
# command lines to every local user).
#
# Usage:
#   run-analysis.sh             start an analysis, follow it until it ends
#   run-analysis.sh check [H]   is there an applied analysis that succeeded in the last
#                               H hours (default 36)?
#
# Environment:
#   CRM_URL               the API's address, e.g. https://crm.example.ci (no trailing /)
#   CRM_CLIENT_ID         the service account's client id (`crm service-account create`)
#   CRM_CLIENT_SECRET     its secret
#   CRM_DRY_RUN           true: compute and report only, change nothing (default false)
#   CRM_GENERATE_COUPONS  true: congratulation coupons on promotion (default true)
#   CRM_POLL_SECONDS      pause between two reads of the analysis (default 5)
#   CRM_TIMEOUT_SECONDS   give up following it after this long (default 3600)
#
# Exit status: 0 the analysis SUCCEEDED (check: a recent applied run exists);
# 1 the analysis FAILED (check: none in H hours); 2 anything else — API unreachable,
# credentials refused, an analysis already running, following it timed out.
set -eu

fail() {
    echo "run-analysis: $*" >&2
    exit 2
}

: "${CRM_URL:?CRM_URL manquant (adresse de l’API)}"
: "${CRM_CLIENT_ID:?CRM_CLIENT_ID manquant}"
: "${CRM_CLIENT_SECRET:?CRM_CLIENT_SECRET manquant}"
dry_run=${CRM_DRY_RUN:-false}
generate_coupons=${CRM_GENERATE_COUPONS:-true}
poll=${CRM_POLL_SECONDS:-5}
timeout=${CRM_TIMEOUT_SECONDS:-3600}
api="${CRM_URL%/}/api/v1"

for flag in "$dry_run" "$generate_coupons"; do
    case $flag in true | false) ;; *) fail "CRM_DRY_RUN et CRM_GENERATE_COUPONS valent true ou false" ;; esac
done
# Ids and secrets are letters and digits (`crm service-account create`): they go into
# JSON without escaping.
case "$CRM_CLIENT_ID$CRM_CLIENT_SECRET" in
    *[!A-Za-z0-9_]*) fail "CRM_CLIENT_ID ou CRM_CLIENT_SECRET contient un caractère inattendu" ;;
esac

private=$(umask 077 && mktemp -d)
trap 'rm -rf "$private"' EXIT
trap 'exit 2' HUP INT TERM

# call METHOD PATH [JSON]: sends the request with the access token; sets $status and
# $body. The last line curl writes is the HTTP status.
call() {
    if [ $# -ge 3 ]; then
        printf '%s' "$3" >"$private/body.json"
        out=$(curl -sS -X "$1" -H @"$private/auth" -H 'Content-Type: application/json' \
            --data-binary @"$private/body.json" -w '\n%{http_code}' "$api$2") ||
            fail "API injoignable : $1 $2"
    else
        out=$(curl -sS -X "$1" -H @"$private/auth" -w '\n%{http_code}' "$api$2") ||
            fail "API injoignable : $1 $2"
    fi
    status=${out##*"
"}
    body=${out%"
"*}
}

# The first `"name":"text"` of $body (a top-level field comes before any nested one:
# the API writes fields in a fixed order, id and status first).
text_field() {
    printf '%s' "$body" | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/.*:"\(.*\)"/\1/'
}

# The first `"name":123` of $body.
number_field() {
    printf '%s' "$body" | grep -o "\"$1\":[0-9]*" | head -n 1 | sed 's/.*://'
}

# The problem code of an error answer, for the log.
problem() {
    code=$(text_field code)
    echo "HTTP $status${code:+ $code}"
}

# A fresh access token for the service account (valid `expires_in` seconds, 15 minutes by
# default; there is no refresh token: an account simply asks again).
authenticate() {
    printf '{"client_id":"%s","client_secret":"%s"}' "$CRM_CLIENT_ID" "$CRM_CLIENT_SECRET" \
        >"$private/credentials.json"
    out=$(curl -sS -X POST -H 'Content-Type: application/json' \
        --data-binary @"$private/credentials.json" -w '\n%{http_code}' "$api/auth/token") ||
        fail "API injoignable : POST /auth/token"
    status=${out##*"
"}
    body=${out%"
"*}
    [ "$status" = 200 ] || fail "jeton refusé ($(problem)) : vérifiez CRM_CLIENT_ID et CRM_CLIENT_SECRET"
    token=$(text_field access_token)
    [ -n "$token" ] || fail "réponse de /auth/token sans access_token"
    printf 'Authorization: Bearer %s\n' "$token" >"$private/auth"
}

# call, asking for a new token once if the current one expired meanwhile.
call_authenticated() {
    call "$@"
    if [ "$status" = 401 ]; then
        authenticate
        call "$@"
    fi
}

run() {
    authenticate
    call_authenticated POST /loyalty/analyses \
        "{\"dry_run\":$dry_run,\"generate_coupons\":$generate_coupons}"
    case $status in
        202 | 200 | 201) ;;
        409) fail "une analyse est déjà en cours ($(problem)) : rien n’a été lancé" ;;
        *) fail "analyse refusée ($(problem))" ;;
    esac
    id=$(number_field id)
    [ -n "$id" ] || fail "réponse sans identifiant d’analyse"
    echo "analyse $id lancée (dry_run=$dry_run, generate_coupons=$generate_coupons)"

    waited=0
    while :; do
        call_authenticated GET "/loyalty/analyses/$id"
        [ "$status" = 200 ] || fail "lecture de l’analyse $id impossible ($(problem))"
        state=$(text_field status)
        case $state in
            SUCCEEDED)
                echo "analyse $id terminée : $body"
                exit 0
                ;;
            FAILED)
                echo "analyse $id en échec : $(text_field error)" >&2
                exit 1
                ;;
        esac
        [ "$waited" -lt "$timeout" ] ||
            fail "analyse $id toujours $state après ${timeout} s : abandon du suivi (elle continue sur le serveur)"
        sleep "$poll"
        waited=$((waited + poll))
    done
}

# Seconds since the epoch of an RFC 3339 UTC instant (`2026-11-30T03:15:42.123456Z`),
# with GNU or BusyBox date.
epoch() {
    date -u -d "$(printf '%s' "$1" | sed 's/T/ /; s/\..*//; s/Z$//; s/+00:00$//')" +%s
}

check() {
    hours=${1:-36}
    authenticate
    # The latest applied analyses, newest first (dry runs started from the screen are
    # left out); a few, since the newest may be tonight's, still running or failed.
    call_authenticated GET "/loyalty/analyses?dry_run=false&per_page=5"
    [ "$status" = 200 ] || fail "liste des analyses illisible ($(problem))"
    # One analysis per line: each object of `items` starts with its id.
    latest=$(printf '%s' "$body" | sed 's/{"id":/\n{"id":/g' |
        grep '"dry_run":false' | grep '"status":"SUCCEEDED"' | head -n 1 |
        grep -o '"finished_at":"[^"]*"' | sed 's/.*:"\(.*\)"/\1/') || true
    if [ -z "$latest" ]; then
        echo "ALERTE : aucune analyse appliquée réussie parmi les 5 dernières" >&2
        exit 1
    fi
    age=$(($(date -u +%s) - $(epoch "$latest")))
    if [ "$age" -gt $((hours * 3600)) ]; then
        echo "ALERTE : dernière analyse appliquée réussie le $latest, il y a plus de $hours h" >&2
        exit 1
    fi
    echo "dernière analyse appliquée réussie le $latest"
}

case ${1:-run} in
    run) run ;;
    check) check "${2:-36}" ;;
    *) fail "usage : run-analysis.sh [run | check [HEURES]]" ;;
esac
