#!/usr/bin/env bash
# make tf-moto: the README's deploy from zero, run against moto (a stand-in AWS on loopback) instead of an
# account, for an ops team's shared account. On a copy of terraform/: apply the bootstrap (state bucket and
# KMS key), then the account stack in two regions, then one environment in each region under the same name,
# every state in the bootstrap's bucket. It checks the outputs, that every state and lock object is SSE-KMS
# with the bootstrap's key, that each region's logging setting names a live role, that second plans show no
# change (deployment triggers, source_code_hash and the zips must not make perpetual diffs), and that
# destroying one environment leaves the other, and its region's logging, as they were.
# With --if-provider (make test), a machine with no provider mirror skips it with one line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { printf '[tf-moto %(%H:%M:%S)T +%3ds] %s\n' -1 "$((SECONDS - started))" "$*" >&2; }

source scripts/tf-workspace.sh tf-moto "$@"
moto_server="$(scripts/moto.sh)"
moto_pid=""
stop() {
  local status=$?
  if [[ -n "$moto_pid" ]]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  ((status == 0)) || { echo "moto's log (last 30 lines):" >&2; tail -n 30 "$work/moto.log" >&2 || true; }
  rm -rf "$work"
}
trap stop EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# TLS (moto's self-signed certificate): the state bucket's policy denies every request without it.
moto_url="https://127.0.0.1:$port"
# moto loads AWS managed policies (the logging role attaches AmazonAPIGatewayPushToCloudWatchLogs) only when asked.
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$moto_server" --ssl -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 150); do
  curl -kfsS -o /dev/null "$moto_url/moto-api/" 2>/dev/null && break
  kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server exited" >&2; exit 1; }
  sleep 0.2
done
curl -kfsS -o /dev/null "$moto_url/moto-api/"
say "moto on $moto_url"

export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_REGION=eu-west-1
# Two environments, one account: the same `name` in two regions (IAM names are account-global).
regions=(eu-west-1 us-east-1)
check_py="$(dirname "$moto_server")/python"
# Every environment creates a group and admits only its members (the stacks without these variables ignore them).
export TF_VAR_cognito_groups='{ ops = { description = "May connect" } }' TF_VAR_required_groups='["ops"]'

# Only in the copy: every service the configurations call goes to moto, with moto's fake credentials.
for dir in terraform terraform/bootstrap terraform/account; do
  cat >"$work/$dir/moto_override.tf" <<EOT
provider "aws" {
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  insecure                    = true # moto's self-signed certificate

  endpoints {
    apigateway     = "$moto_url"
    apigatewayv2   = "$moto_url"
    cloudwatchlogs = "$moto_url"
    cognitoidp     = "$moto_url"
    dynamodb       = "$moto_url"
    events         = "$moto_url"
    iam            = "$moto_url"
    kms            = "$moto_url"
    lambda         = "$moto_url"
    s3             = "$moto_url"
    sts            = "$moto_url"
  }
}
EOT
done

# moto 5.2.5 has no API Gateway v2 deployments (CreateDeployment answers 404) and its stages neither keep
# nor return a deploymentId, so in the copy the deployment is left out and the stage made without one. The
# deployment's triggers, taken verbatim from main.tf, still go through apply and the empty-plan check as a
# terraform_data, so a trigger that changes on every plan still fails here.
api_main=terraform/modules/websocket-api/main.tf
triggers="$(awk '/^resource "aws_apigatewayv2_deployment"/ { inside = 1 } inside && /^  triggers = \{/ { copy = 1 }
  copy { print } copy && /^  }/ { exit }' "$api_main")"
[[ -n "$triggers" ]] || { say "FAILED: no triggers block in the deployment of $api_main"; exit 1; }
cat >"$work/terraform/modules/websocket-api/moto_override.tf" <<EOT
resource "aws_apigatewayv2_deployment" "this" {
  count = 0
}

resource "aws_apigatewayv2_stage" "this" {
  deployment_id = null
}
EOT
cat >"$work/terraform/modules/websocket-api/moto_deployment_triggers.tf" <<EOT
resource "terraform_data" "moto_deployment_triggers" {
${triggers/triggers = /triggers_replace = }
}
EOT

# moto 5.2.5 accepts a function's LoggingConfig but never returns it, so every plan would add it back.
cat >"$work/terraform/modules/lambda-function/moto_override.tf" <<'EOT'
resource "aws_lambda_function" "this" {
  lifecycle {
    ignore_changes = [logging_config]
  }
}
EOT

# TF_DATA_DIR (set per environment below) lets one configuration directory serve several states.
tf() {
  local dir="$1"
  shift
  "$TERRAFORM" -chdir="$work/$dir" "$@" -input=false -no-color
}
# stack DIR REGION KEY: run the rest in DIR for the state KEY, with the provider in REGION.
in_stack() {
  local dir="$1" region="$2" key="$3"
  shift 3
  AWS_REGION="$region" TF_DATA_DIR="$work/data/${key//\//_}" tf "$dir" "$@"
}
# output_of DIR REGION KEY NAME: one output of that state, raw.
output_of() {
  AWS_REGION="$2" TF_DATA_DIR="$work/data/${3//\//_}" "$TERRAFORM" -chdir="$work/$1" output -raw "$4"
}
timed() {
  local label="$1" begin=$SECONDS
  shift
  "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; say "FAILED: $label"; exit 1; }
  say "$label: $((SECONDS - begin)) s"
}
# A plan with -detailed-exitcode exits 2 when it would change something: right after an apply, that is a
# diff that never settles, and timed shows the plan.
no_changes() {
  local status=0
  tf "$@" plan -detailed-exitcode || status=$?
  ((status == 0)) || echo "a plan right after apply is not empty (exit $status)"
  return "$status"
}
no_changes_in() {
  local status=0
  in_stack "$@" plan -detailed-exitcode || status=$?
  ((status == 0)) || echo "a plan right after apply is not empty (exit $status)"
  return "$status"
}

say "bootstrap: init, apply, plan"
timed "bootstrap init" tf terraform/bootstrap init
timed "bootstrap apply" tf terraform/bootstrap apply -auto-approve
timed "bootstrap second plan shows no changes" no_changes terraform/bootstrap
if tf terraform/bootstrap plan -destroy >"$work/step.log" 2>&1 || ! grep -q 'prevent_destroy' "$work/step.log"; then
  cat "$work/step.log" >&2
  say "FAILED: bootstrap: a destroy plan of the state bucket was not refused by prevent_destroy"
  exit 1
fi
say "bootstrap: destroying the state bucket is refused (prevent_destroy)"

# moto 5.2.5 enforces bucket policies without their conditions, so the state bucket's TLS-only Deny
# statements would deny every object request even over TLS. The bootstrap has been applied and found
# stable with the real policy above; only then is it removed from moto, by an unsigned DeleteBucketPolicy.
bucket="$("$TERRAFORM" -chdir="$work/terraform/bootstrap" output -raw state_bucket)"
curl -kfsS -X DELETE -o /dev/null "$moto_url/$bucket?policy"

# The S3 backend reads no provider block: moto's endpoint and credentials go in as backend settings.
"$TERRAFORM" -chdir="$work/terraform/bootstrap" output -raw backend_hcl >"$work/backend.hcl"
kms_key_arn="$("$TERRAFORM" -chdir="$work/terraform/bootstrap" output -raw state_kms_key_arn)"
grep -q "^kms_key_id *= *\"$kms_key_arn\"$" "$work/backend.hcl" || { say "FAILED: backend_hcl names no kms_key_id"; exit 1; }
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
init_on() {
  timed "$1 $3: init on s3://$bucket/$3" in_stack "$1" "$2" "$3" init -backend-config="$work/backend.hcl" \
    -backend-config="key=$3" -backend-config="$work/moto-backend.hcl"
}
account_key() { echo "account/$1/terraform.tfstate"; }
env_key() { echo "wsauth/$1/terraform.tfstate"; }

# What boto3 (moto's own dependency, in its venv) reads back from moto: prints one line per finding, exit 1
# on the first that is wrong.
moto_check() {
  MOTO_URL="$moto_url" BUCKET="$bucket" KMS_KEY_ARN="$kms_key_arn" "$check_py" - "$@" <<'PY'
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
elif what == "logging":  # each region's account setting names a role that exists
    iam = client("iam")
    for region in args:
        role_arn = client("apigateway", region).get_account().get("cloudwatchRoleArn")
        if not role_arn: fail(f"{region}: the API Gateway account setting names no logging role")
        try: iam.get_role(RoleName=role_arn.split("/")[-1])
        except iam.exceptions.NoSuchEntityException: fail(f"{region}: the account setting names a deleted role {role_arn}")
        print(f"{region}: API Gateway logs through {role_arn}, which exists")
elif what == "groups":  # region pool_id group...: the pool has these groups
    region, pool_id, wanted = args[0], args[1], args[2:]
    groups = [g["GroupName"] for g in client("cognito-idp", region).list_groups(UserPoolId=pool_id)["Groups"]]
    if sorted(groups) != sorted(wanted): fail(f"{region}: pool {pool_id} has groups {groups}, not {wanted}")
    print(f"{region}: pool {pool_id} has the groups {', '.join(groups)}")
elif what == "stage-logs":  # region api_id stage: the stage still has its access log group
    region, api_id, stage = args
    settings = client("apigatewayv2", region).get_stage(ApiId=api_id, StageName=stage).get("AccessLogSettings", {})
    group = settings.get("DestinationArn", "").split(":log-group:")[-1]
    if not group: fail(f"{region}: stage {stage} of {api_id} has no access log settings")
    if not client("logs", region).describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        fail(f"{region}: the access log group {group} is gone")
    print(f"{region}: stage {stage} of {api_id} logs to {group}")
PY
}

for region in "${regions[@]}"; do
  key="$(account_key "$region")"
  init_on terraform/account "$region" "$key"
  timed "account $region: apply" in_stack terraform/account "$region" "$key" apply -auto-approve
  timed "account $region: second plan shows no changes" no_changes_in terraform/account "$region" "$key"
done
moto_check logging "${regions[@]}"

for region in "${regions[@]}"; do
  key="$(env_key "$region")"
  init_on terraform "$region" "$key"
  timed "root $region: apply" in_stack terraform "$region" "$key" apply -auto-approve
  for output in websocket_url user_pool_id client_id api_id; do
    value="$(output_of terraform "$region" "$key" "$output")"
    [[ -n "$value" ]] || { say "FAILED: $region: output $output is empty"; exit 1; }
  done
  url="$(output_of terraform "$region" "$key" websocket_url)"
  [[ "$url" == wss://*".$region."* ]] || { say "FAILED: $region: websocket_url $url is not a wss:// URL in $region"; exit 1; }
  say "root $region: $url"
  moto_check groups "$region" "$(output_of terraform "$region" "$key" user_pool_id)" ops
  if AWS_REGION="$region" TF_DATA_DIR="$work/data/${key//\//_}" "$TERRAFORM" -chdir="$work/terraform" state list | grep -E 'aws_api_gateway_account|apigateway_logging'; then
    say "FAILED: $region: the environment manages the account's logging setting"
    exit 1
  fi
done
for region in "${regions[@]}"; do
  timed "root $region: second plan shows no changes" no_changes_in terraform "$region" "$(env_key "$region")"
done
listing="$(curl -kfsS "$moto_url/$bucket?list-type=2")"
! grep -q '\.tflock</Key>' <<<"$listing" || { say "FAILED: a lock file is left in $bucket"; exit 1; }
moto_check encrypted "$(env_key "${regions[0]}")" "$(env_key "${regions[1]}")" "$(account_key "${regions[0]}")"
moto_check logging "${regions[@]}"

# Destroying the first environment must leave the second, and the logging of both regions, as they were.
first="${regions[0]}" second="${regions[1]}"
timed "root $first: disable deletion protection" in_stack terraform "$first" "$(env_key "$first")" apply -auto-approve -var cognito_deletion_protection=false
timed "root $first: destroy" in_stack terraform "$first" "$(env_key "$first")" destroy -auto-approve -var cognito_deletion_protection=false
moto_check logging "${regions[@]}"
moto_check stage-logs "$second" "$(output_of terraform "$second" "$(env_key "$second")" api_id)" prod
timed "root $second: plan after the other environment's destroy shows no changes" no_changes_in terraform "$second" "$(env_key "$second")"
timed "root $second: disable deletion protection" in_stack terraform "$second" "$(env_key "$second")" apply -auto-approve -var cognito_deletion_protection=false
timed "root $second: destroy" in_stack terraform "$second" "$(env_key "$second")" destroy -auto-approve -var cognito_deletion_protection=false
moto_check logging "${regions[@]}"
say "done in $((SECONDS - started)) s"
