#!/usr/bin/env bash
# make tf-moto: terraform/README.md's own commands, run against moto (a stand-in AWS on loopback) instead of an
# account. The README's blocks marked `<!-- walkthrough: NAME -->` are extracted and run as written, from the root
# of a copy of the repository, in the README's order: bootstrap (one state bucket for the account), the account
# stack in two regions, the environment `prod` in two regions (the first deployed with the previous layout,
# commit PREVIOUS_LAYOUT, by that version's README, then upgraded with this README's upgrade block), the
# two-region example, and teardown. Only `terraform`, `aws` and `make` are wrapped: -auto-approve and
# -no-color, moto's endpoint as backend settings, one TF_DATA_DIR per stack and region (so the other region's
# plan needs no new init), and `make build` (the zips are built already).
# Between the steps it checks: the other region's plan is empty; every state and lock object is SSE-KMS with
# the bootstrap's key; each region's logging setting names a live role (or none, after teardown); the upgrade
# destroys nothing and every function's role reaches the table before and after it; a plan with the wrong
# region's files fails naming both regions; an account stack told `none` plans nothing for a setting that exists.
# With --if-provider (make test), a machine with no provider mirror skips it with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
exec 9>&2 # the caller's stderr: a failing step's log goes there, whatever the step redirected
say() { printf '[tf-moto %(%H:%M:%S)T +%3ds] %s\n' -1 "$((SECONDS - started))" "$*" >&9; }
PREVIOUS_LAYOUT=0557e8a

source scripts/tf-workspace.sh tf-moto "$@"
moto_server="$(scripts/moto.sh)"
moto_pid=""
step="start"
stop() {
  local status=$?
  [[ -z "${example_pid:-}" ]] || kill "$example_pid" 2>/dev/null || true
  if [[ -n "$moto_pid" ]]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if ((status != 0)); then
    { tail -n 60 "$work/step.log" 2>/dev/null; echo "moto's log (last 20 lines):"; tail -n 20 "$work/moto.log"; } >&9 || true
    say "FAILED: $step"
  fi
  rm -rf "$work"
}
trap stop EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# TLS (moto's self-signed certificate): the state bucket's policy denies every request without it.
moto_url="https://127.0.0.1:$port"
# moto loads AWS managed policies (the logging role attaches AmazonAPIGatewayPushToCloudWatchLogs) only when asked.
# moto 5.2.5 fails (KeyError, HTTP 500, retried for minutes) on the reset the provider sends on destroy with
# reset_on_delete: `replace /cloudwatchRoleArn` with no value, which API Gateway reads as "no role". This server
# process alone treats it so; moto's install is untouched.
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$(dirname "$moto_server")/python" - --ssl -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 <<'PY' &
import sys
from moto.apigateway import models
from moto.server import main

patch = models.Account.apply_patch_operations

def apply_patch_operations(self, operations):
    resets = [op for op in operations if "/cloudwatchRoleArn" in op["path"] and "value" not in op]
    if resets:
        self.cloudwatch_role_arn = None
    return patch(self, [op for op in operations if op not in resets])

models.Account.apply_patch_operations = apply_patch_operations
sys.argv[0] = "moto_server"
sys.exit(main())
PY
moto_pid=$!
for _ in $(seq 150); do
  curl -kfsS -o /dev/null "$moto_url/moto-api/" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server exited" >&2; exit 1; }
  sleep 0.2
done
curl -kfsS -o /dev/null "$moto_url/moto-api/"
say "moto on $moto_url"

export AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION TF_VAR_region
first=eu-west-1 second=us-east-1
check_py="$(dirname "$moto_server")/python"

# The previous layout, as a user upgrading has it checked out; its user files (terraform/envs) carry over.
mkdir -p "$work/old"
git archive "$PREVIOUS_LAYOUT" terraform functions/api.json | tar -x -C "$work/old"
cp -r dist "$work/old/dist"

# Only in the copy: every service the configurations call goes to moto, with moto's fake credentials.
provider_override() {
  cat <<EOT
provider "aws" {
  $1
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  insecure                    = true # moto's self-signed certificate

  endpoints {
$(for service in apigateway apigatewayv2 cloudwatchlogs cognitoidp dynamodb events iam kms lambda s3 sts; do
    printf '    %-14s = "%s"\n' "$service" "$moto_url"
  done)
  }
}
EOT
}
for dir in terraform/bootstrap terraform/account terraform/deploy old/terraform; do
  provider_override "" >"$work/$dir/moto_override.tf"
done
{ provider_override 'alias = "primary"'; provider_override 'alias = "secondary"'; } >"$work/terraform/examples/two-regions/moto_override.tf"

# moto 5.2.5 has no API Gateway v2 deployments (CreateDeployment answers 404) and its stages neither keep
# nor return a deploymentId, so in the copy the deployment is left out and the stage made without one. The
# deployment's triggers, taken verbatim from main.tf, still go through apply and the empty-plan check as a
# terraform_data, so a trigger that changes on every plan still fails here.
for tree in terraform old/terraform; do
  api_main=$tree/modules/websocket-api/main.tf
  triggers="$(awk '/^resource "aws_apigatewayv2_deployment"/ { inside = 1 } inside && /^  triggers = \{/ { copy = 1 }
    copy { print } copy && /^  }/ { exit }' "$work/$api_main")"
  [[ -n "$triggers" ]] || { say "FAILED: no triggers block in the deployment of $api_main"; exit 1; }
  cat >"$work/$tree/modules/websocket-api/moto_override.tf" <<EOT
resource "aws_apigatewayv2_deployment" "this" {
  count = 0
}

resource "aws_apigatewayv2_stage" "this" {
  deployment_id = null
}
EOT
  cat >"$work/$tree/modules/websocket-api/moto_deployment_triggers.tf" <<EOT
resource "terraform_data" "moto_deployment_triggers" {
${triggers/triggers = /triggers_replace = }
}
EOT
  # moto 5.2.5 accepts a function's LoggingConfig but never returns it, so every plan would add it back.
  cat >"$work/$tree/modules/lambda-function/moto_override.tf" <<'EOT'
resource "aws_lambda_function" "this" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}
EOT
done

# The S3 backend reads no provider block: moto's endpoint and credentials go in as backend settings.
cat >"$work/moto-backend.hcl" <<EOT
endpoints                   = { s3 = "$moto_url" }
use_path_style              = true
access_key                  = "testing"
secret_key                  = "testing"
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
insecure                    = true
EOT

# The README's blocks, by name; and the previous README's first block under a heading.
mkdir -p "$work/blocks"
block() {
  awk -v name="$1" '$0 == "<!-- walkthrough: " name " -->" { found = 1; next }
    found && /^```sh$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' terraform/README.md
}
for name in setup bootstrap account environment apply upgrade teardown teardown-account teardown-bootstrap; do
  block "$name" >"$work/blocks/$name.sh"
  [[ -s "$work/blocks/$name.sh" ]] || { say "FAILED: terraform/README.md has no walkthrough block $name"; exit 1; }
done
git show "$PREVIOUS_LAYOUT:terraform/README.md" >"$work/old-README.md"
old_block() {
  awk -v heading="$1" 'index($0, heading) == 1 { found = 1; next } found && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit } inside { print }' "$work/old-README.md"
}
old_block "### 3. One backend file" >"$work/blocks/old-environment.sh"
old_block "### 4. Build and apply" >"$work/blocks/old-apply.sh"

# The wrappers the blocks run with. The data directory of a stack follows its directory, ENV and REGION.
data_dir_of() {
  case "$1" in
    terraform/deploy) echo "$work/data/deploy-$ENV-$REGION" ;;
    terraform) echo "$work/data/old-$ENV-$AWS_REGION" ;;
    terraform/account) echo "$work/data/account-$REGION" ;;
    *) echo "$work/data/${1//\//-}" ;;
  esac
}
terraform() {
  local chdir="" command="" arg args=()
  for arg in "$@"; do
    args+=("$arg")
    [[ "$arg" == -chdir=* ]] && chdir="${arg#-chdir=}"
    [[ -z "$command" && "$arg" != -* ]] || continue
    command="$arg"
    case "$command" in
      init) args+=(-input=false -no-color)
        [[ "$chdir" == terraform/bootstrap ]] || args+=(-backend-config="$work/moto-backend.hcl") ;;
      plan) args+=(-input=false -no-color) ;;
      apply | destroy) args+=(-input=false -no-color -auto-approve) ;;
    esac
  done
  echo "+ terraform ${args[*]}" >&2
  TF_DATA_DIR="$(data_dir_of "$chdir")" "$TERRAFORM" "${args[@]}"
}
aws() { command aws --endpoint-url "$moto_url" --no-verify-ssl --region "${STATE_REGION:-$first}" "$@" 2> >(grep -v -e InsecureRequestWarning -e 'warnings.warn' >&2); }
make() { [[ "$*" == build ]] || { echo "tf-moto runs only make build (done: the copy has dist/)" >&2; return 1; }; }

# run LABEL BLOCK...: the blocks in this shell (their variables stay), output in step.log, shown on failure.
run() {
  local label="$1" begin=$SECONDS name
  shift
  step="$label"
  exec 3>&1 4>&2 >"$work/step.log" 2>&1
  for name in "$@"; do
    echo "# terraform/README.md, block $name"
    source "$work/blocks/$name.sh"
  done
  exec 1>&3 2>&4 3>&- 4>&-
  say "$label: $((SECONDS - begin)) s"
}
# in_both_regions LABEL BLOCK: the block for $first and $second at once (stacks of their own), each logged apart.
in_both_regions() {
  local label="$1" block="$2" begin=$SECONDS region pids=()
  step="$label in $first and $second"
  for region in "$first" "$second"; do
    (REGION=$region && echo "# terraform/README.md, block $block" && source "$work/blocks/$block.sh") >"$work/$region.log" 2>&1 &
    pids+=($!)
  done
  for region in "$first" "$second"; do
    wait "${pids[0]}" || { cp "$work/$region.log" "$work/step.log"; fail "$label in $region"; }
    pids=("${pids[@]:1}")
  done
  say "$step (at once): $((SECONDS - begin)) s"
}
# no_changes DIR ENV REGION ARGS...: a plan of that state changes nothing (exit 2 of -detailed-exitcode is a change).
no_changes() {
  local dir="$1" begin=$SECONDS
  step="$dir, $2 in $3: plan shows no changes"
  ENV="$2" REGION="$3" TF_DATA_DIR="$(ENV="$2" REGION="$3" data_dir_of "$dir")" \
    "$TERRAFORM" -chdir="$dir" plan -input=false -no-color -detailed-exitcode "${@:4}" >"$work/step.log" 2>&1
  say "$step: $((SECONDS - begin)) s"
}
output_of() { TF_DATA_DIR="$(ENV="$2" REGION="$3" data_dir_of "$1")" "$TERRAFORM" -chdir="$1" output -raw "$4"; }
fail() { step="$*"; exit 1; }

# What boto3 (moto's own dependency, in its venv) reads back from moto: one line per finding, exit 1 on the first wrong.
moto_check() {
  MOTO_URL="$moto_url" BUCKET="${BUCKET:-}" KMS_KEY_ARN="${KMS_KEY_ARN:-}" "$check_py" - "$@" <<'PY'
import os, sys, warnings
import boto3
warnings.filterwarnings("ignore")
url, bucket, key_arn = os.environ["MOTO_URL"], os.environ["BUCKET"], os.environ["KMS_KEY_ARN"]
def client(name, region="eu-west-1"):
    return boto3.client(name, endpoint_url=url, region_name=region, verify=False,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
def fail(message):
    print("FAILED: " + message); sys.exit(1)
what, args = sys.argv[1], sys.argv[2:]
if what == "encrypted":  # every version of the state objects and of their (deleted) lock files
    s3 = client("s3")
    for key in args:
        for object_key in (key, key + ".tflock"):
            versions = s3.list_object_versions(Bucket=bucket, Prefix=object_key).get("Versions", [])
            versions = [v for v in versions if v["Key"] == object_key]
            if not versions: fail(f"no object {object_key} was ever written")
            for version in versions:
                head = s3.head_object(Bucket=bucket, Key=object_key, VersionId=version["VersionId"])
                sse, used = head.get("ServerSideEncryption"), head.get("SSEKMSKeyId", "")
                if sse != "aws:kms" or used not in (key_arn, key_arn.split("/")[-1]):
                    fail(f"{object_key} version {version['VersionId']}: {sse} with key {used or 'none'}")
            print(f"{object_key}: {len(versions)} version(s), each aws:kms with the bootstrap's key")
    locks = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if o["Key"].endswith(".tflock")]
    if locks: fail(f"lock files left in {bucket}: {locks}")
elif what in ("logging", "logging-reset"):  # each region's setting names a role that exists (reset: or none)
    iam = client("iam")
    for region in args:
        role_arn = client("apigateway", region).get_account().get("cloudwatchRoleArn")
        if not role_arn:
            if what == "logging": fail(f"{region}: the API Gateway account setting names no logging role")
            print(f"{region}: the API Gateway account setting names no role"); continue
        try: iam.get_role(RoleName=role_arn.split("/")[-1])
        except iam.exceptions.NoSuchEntityException: fail(f"{region}: the account setting names a deleted role {role_arn}")
        print(f"{region}: API Gateway logs through {role_arn}, which exists")
elif what == "groups":  # region pool_id group...: the pool has these groups
    region, pool_id, wanted = args[0], args[1], args[2:]
    groups = [g["GroupName"] for g in client("cognito-idp", region).list_groups(UserPoolId=pool_id)["Groups"]]
    if sorted(groups) != sorted(wanted): fail(f"{region}: pool {pool_id} has groups {groups}, not {wanted}")
    print(f"{region}: pool {pool_id} has the groups {', '.join(groups)}")
elif what == "table-grants":  # region table api_json prefix: each registry function's role reaches the table,
    # and may Query exactly the indexes api.json names for it (registryIndexes), no other
    import json
    region, table, api_json, prefix = args
    iam, lam = client("iam"), client("lambda", region)
    table_arn = client("dynamodb", region).describe_table(TableName=table)["Table"]["TableArn"]
    functions = {n: f for n, f in json.load(open(api_json))["functions"].items() if f.get("registry")}
    for short, fn in functions.items():
        name = f"{prefix}-{short}"
        role = lam.get_function(FunctionName=name)["Configuration"]["Role"].split("/")[-1]
        documents = [iam.get_role_policy(RoleName=role, PolicyName=p)["PolicyDocument"]
                     for p in iam.list_role_policies(RoleName=role)["PolicyNames"]]
        statements = [s for d in documents for s in d["Statement"] if s["Effect"] == "Allow"]
        listed = lambda value: [value] if isinstance(value, str) else value
        resources = [r for s in statements for r in listed(s["Resource"])]
        if table_arn not in resources: fail(f"{region}: {name}'s role {role} has no grant on {table_arn}")
        indexes = sorted(r for r in resources if r.startswith(table_arn + "/index/"))
        # Before registryIndexes, Query meant the expiry index.
        named = fn.get("registryIndexes", ["by-expiry"] if "dynamodb:Query" in fn["registry"] else [])
        wanted = sorted(f"{table_arn}/index/{i}" for i in named)
        if indexes != wanted: fail(f"{region}: {name} may Query {indexes}, api.json says {wanted}")
    print(f"{region}: the roles of {', '.join(functions)} each reach {table}, Query on their own indexes only")
elif what == "revoke-rule":  # region prefix: AdminUserGlobalSignOut of the pool invokes revoke, which may AdminGetUser
    import json
    region, prefix = args
    events, lam, iam = client("events", region), client("lambda", region), client("iam")
    rule = events.describe_rule(Name=f"{prefix}-revoke-on-sign-out")
    pattern = json.loads(rule["EventPattern"])
    if pattern["detail"]["eventName"] != ["AdminUserGlobalSignOut"]: fail(f"{region}: rule pattern {pattern}")
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]]
    function = lam.get_function(FunctionName=f"{prefix}-revoke")["Configuration"]
    if targets != [function["FunctionArn"]]: fail(f"{region}: the rule targets {targets}")
    role = function["Role"].split("/")[-1]
    lookup = iam.get_role_policy(RoleName=role, PolicyName="revoke-user-lookup")["PolicyDocument"]["Statement"]
    if [s["Action"] for s in lookup] not in (["cognito-idp:AdminGetUser"], [["cognito-idp:AdminGetUser"]]):
        fail(f"{region}: revoke's lookup grant is {lookup}")
    if not all(":userpool/" in s["Resource"] for s in lookup): fail(f"{region}: AdminGetUser not scoped to the pool")
    print(f"{region}: AdminUserGlobalSignOut invokes {function['FunctionName']}, which may AdminGetUser on the pool")
elif what == "stage-logs":  # region api_id stage: the stage still has its access log group
    region, api_id, stage = args
    settings = client("apigatewayv2", region).get_stage(ApiId=api_id, StageName=stage).get("AccessLogSettings", {})
    group = settings.get("DestinationArn", "").split(":log-group:")[-1]
    if not group: fail(f"{region}: stage {stage} of {api_id} has no access log settings")
    if not client("logs", region).describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        fail(f"{region}: the access log group {group} is gone")
    print(f"{region}: stage {stage} of {api_id} logs to {group}")
elif what == "bucket-gone":
    if bucket in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]: fail(f"{bucket} is still there")
    print(f"{bucket} is gone")
PY
}
table_grants() { # ENV REGION [API_JSON]: each registry function's role reaches the table (API_JSON: what is deployed)
  moto_check table-grants "$2" "wsauth-$1-connections" "${3:-functions/api.json}" "wsauth-$1"
}

cd "$work"
# The two-region example: one configuration, one provider alias per region, its own names and local state, so
# it runs beside the README's steps (each terraform command mostly waits on the provider loading).
(
  begin=$SECONDS
  example() { TF_DATA_DIR="$work/data/two-regions" "$TERRAFORM" -chdir=terraform/examples/two-regions "$@" -input=false -no-color; }
  example init
  example apply -auto-approve -var cognito_deletion_protection=false
  example plan -detailed-exitcode -var cognito_deletion_protection=false
  example destroy -auto-approve -var cognito_deletion_protection=false
  echo "$((SECONDS - begin))" >"$work/example.seconds"
) >"$work/example.log" 2>&1 &
example_pid=$!
run "setup" setup
[[ "$ACCOUNT" == 123456789012 ]] || fail "setup: the account is $ACCOUNT, not moto's"

# 1. One state bucket for every region of the account.
run "bootstrap (once per account, in $STATE_REGION)" bootstrap
BUCKET="$(terraform -chdir=terraform/bootstrap output -raw state_bucket 2>/dev/null)"
KMS_KEY_ARN="$(terraform -chdir=terraform/bootstrap output -raw state_kms_key_arn 2>/dev/null)"
grep -q "^kms_key_id *= *\"$KMS_KEY_ARN\"$" terraform/envs/backend.hcl || fail "backend_hcl names no kms_key_id"
# moto 5.2.5 enforces bucket policies without their conditions, so the state bucket's TLS-only Deny
# statements would deny every object request even over TLS. The bootstrap has been applied with the real
# policy above; only then is it removed from moto, by an unsigned DeleteBucketPolicy.
curl -kfsS -X DELETE -o /dev/null "$moto_url/$BUCKET?policy"

# 2. The account stack in each region (their states and settings are apart, so both at once), then a plan of
# the first region after the second region's apply.
in_both_regions "account" account
no_changes terraform/account - "$first" -var-file="regions/$first/terraform.tfvars"
moto_check logging "$first" "$second" >&9
# A setting exists in $first now: a stack told `none` plans nothing for it (no role, no setting).
step="account with logging_setting = none where a setting exists"
TF_DATA_DIR="$work/data/account-none" "$TERRAFORM" -chdir=terraform/account init -input=false -no-color -reconfigure \
  -backend-config="regions/$first/backend.hcl" -backend-config="key=account-none/$first/terraform.tfstate" \
  -backend-config="$work/moto-backend.hcl" >"$work/step.log" 2>&1
TF_DATA_DIR="$work/data/account-none" "$TERRAFORM" -chdir=terraform/account plan -input=false -no-color \
  -var region="$first" -var logging_setting=none >"$work/step.log" 2>&1
! grep -E '^  # (aws_api_gateway_account|aws_iam_role)' "$work/step.log" || fail "$step: it plans to take the setting over"
say "$step: plans no role and no setting"

# 3-4. The environment in $first by the previous layout's README, in $second by this one.
export ENV
(
  cd old
  mkdir -p terraform/envs/"$ENV" && cp ../terraform/envs/backend.hcl terraform/envs/
  export AWS_REGION="$first"
  run "previous layout ($PREVIOUS_LAYOUT): $ENV in $first" old-environment old-apply
  cp -r terraform/envs/"$ENV" ../terraform/envs/
)
table_grants "$ENV" "$first" old/functions/api.json >&9
REGION=$second run "$ENV in $second" environment apply
table_grants "$ENV" "$second" >&9
moto_check revoke-rule "$second" "wsauth-$ENV" >&9
# The other region's plan: $first, still in the previous layout, plans nothing after $second's apply.
step="previous layout, $ENV in $first: plan shows no changes after $second's apply"
begin=$SECONDS
(
  cd old
  export AWS_REGION="$first"
  TF_DATA_DIR="$(data_dir_of terraform)" "$TERRAFORM" -chdir=terraform plan -input=false -no-color -detailed-exitcode \
    -var-file="envs/$ENV/terraform.tfvars" >"$work/step.log" 2>&1
)
say "$step: $((SECONDS - begin)) s"
for output in websocket_url user_pool_id client_id api_id region; do
  [[ -n "$(output_of terraform/deploy "$ENV" "$second" "$output")" ]] || fail "$second: output $output is empty"
done
url="$(output_of terraform/deploy "$ENV" "$second" websocket_url)"
[[ "$url" == wss://*".$second."* ]] || fail "$second: websocket_url $url is not a wss:// URL in $second"
moto_check groups "$second" "$(output_of terraform/deploy "$ENV" "$second" user_pool_id)" ops >&9
if TF_DATA_DIR="$(REGION=$second data_dir_of terraform/deploy)" "$TERRAFORM" -chdir=terraform/deploy state list |
  grep -E 'aws_api_gateway_account|apigateway_logging'; then
  fail "$second: the environment manages the account's logging setting"
fi

# Upgrade: the README's upgrade block on $first; its plan moves everything and destroys nothing.
REGION=$first run "upgrade $ENV in $first to terraform/deploy" upgrade
grep -q 'has moved to module.wsauth.module.connection_registry' "$work/step.log" || fail "upgrade: the registry did not move"
grep -qE '^Plan: [0-9]+ to add, [0-9]+ to change, 0 to destroy\.$' "$work/step.log" || {
  grep -E '^Plan:|will be destroyed|must be replaced' "$work/step.log" >&9
  fail "upgrade: the plan destroys something"
}
say "upgrade: every resource moved into module.wsauth; $(grep -E '^Plan:' "$work/step.log")"
table_grants "$ENV" "$first" >&9
no_changes terraform/deploy "$ENV" "$first" -var-file="../envs/$ENV/$first/terraform.tfvars"
no_changes terraform/deploy "$ENV" "$second" -var-file="../envs/$ENV/$second/terraform.tfvars"

# $first's state with $second's var-file: the plan stops, naming both regions.
step="$first's state planned with $second's terraform.tfvars"
if TF_DATA_DIR="$(REGION=$first data_dir_of terraform/deploy)" "$TERRAFORM" -chdir=terraform/deploy plan -input=false \
  -no-color -var-file="../envs/$ENV/$second/terraform.tfvars" >"$work/step.log" 2>&1; then
  fail "$step: the plan went through"
fi
# Terraform wraps its messages at 78 columns: compare with the whitespace folded.
tr -s '[:space:]' ' ' <"$work/step.log" | grep -q "applied in $first, but the provider is in $second" ||
  fail "$step: no error naming both regions"
say "$step: refused, naming $first and $second"
# ... and with another account_id than the credentials' (moto's 123456789012): refused before anything is read.
step="$first's state planned with another account_id"
if TF_DATA_DIR="$(REGION=$first data_dir_of terraform/deploy)" "$TERRAFORM" -chdir=terraform/deploy plan -input=false \
  -no-color -var-file="../envs/$ENV/$first/terraform.tfvars" -var account_id=111122223333 >"$work/step.log" 2>&1; then
  fail "$step: the plan went through"
fi
tr -s '[:space:]' ' ' <"$work/step.log" | grep -qi "account ID not allowed" || fail "$step: not refused for the account"
say "$step: refused (allowed_account_ids)"
moto_check encrypted "wsauth/$ENV/$first/terraform.tfstate" "wsauth/$ENV/$second/terraform.tfstate" \
  "account/$first/terraform.tfstate" >&9
moto_check logging "$first" "$second" >&9

# The two-region example (its own names and local state) was applied beside the steps above: wait for it.
step="examples/two-regions"
wait "$example_pid" || { cp "$work/example.log" "$work/step.log"; fail "examples/two-regions: apply, plan, destroy"; }
say "examples/two-regions: apply, plan shows no changes, destroy: $(cat "$work/example.seconds") s (beside the steps above)"

# Teardown in README order: each environment, then each region's account stack, then the bucket.
REGION=$first run "teardown $ENV in $first" teardown
moto_check stage-logs "$second" "$(output_of terraform/deploy "$ENV" "$second" api_id)" "$ENV" >&9
no_changes terraform/deploy "$ENV" "$second" -var-file="../envs/$ENV/$second/terraform.tfvars"
REGION=$second run "teardown $ENV in $second" teardown
in_both_regions "teardown account" teardown-account
moto_check logging-reset "$first" "$second" >&9
run "teardown bootstrap (bucket emptied, deleted; key scheduled for deletion)" teardown-bootstrap
moto_check bucket-gone >&9
say "done in $((SECONDS - started)) s"
