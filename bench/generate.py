#!/usr/bin/env python3
"""Deterministic generator of synthetic IaC repositories for the performance benchmark.

    python bench/generate.py OUT_DIR N [--seed S]

writes N files under OUT_DIR: mostly ordinary Terraform (S3 buckets, instances, security
groups, IAM policies unrelated to federation, variables and locals) grouped in module-like
directories, CloudFormation templates (YAML and JSON) of 1-10 KB, a few ordinary GitHub
workflows, and a few percent of files holding federation trust of every kind trustlint reads:

- AWS `aws_iam_role` with a GitHub OIDC `assume_role_policy` (some wildcard, some exact),
- CloudFormation `AWS::IAM::Role` with a federated `AssumeRolePolicyDocument`,
- GCP `google_iam_workload_identity_pool_provider` + `google_service_account_iam_member`,
- Azure `azurerm_federated_identity_credential`,
- GitHub workflows with `id-token: write` and `aws-actions/configure-aws-credentials`.

About 5% of the ordinary Terraform/CloudFormation files also hold a plain *service* role
(EC2/Lambda principal), as real repositories do: those pass a cheap byte-level pre-filter
(they name aws_iam_role / AssumeRole) but hold no federation.

Only the standard library; everything is drawn from random.Random(seed), so the same
arguments always give byte-identical output.
"""

from __future__ import annotations

import argparse
import json
import os
import random

FEDERATION_SHARE = 0.04  # share of files holding a federation trust (or an id-token workflow)
SERVICE_ROLE_SHARE = 0.05  # share of ordinary files that also hold a non-federation IAM role
WORKFLOW_SHARE = 0.02  # ordinary CI workflows (no cloud login)
CFN_SHARE = 0.25  # share of ordinary files that are CloudFormation templates
FILES_PER_TF_DIR = 8

WORDS = ["payments", "orders", "billing", "search", "catalog", "checkout", "storefront", "ledger",
         "inventory", "shipping", "auth", "profile", "reports", "analytics", "media", "notify",
         "gateway", "pricing", "reviews", "loyalty", "fraud", "etl", "warehouse", "metrics"]
ENVS = ["dev", "staging", "qa", "prod", "production", "sandbox"]
REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"]
INSTANCE_TYPES = ["t3.micro", "t3.small", "t3.medium", "m5.large", "c5.xlarge", "r5.large"]
ORGS = ["acme", "globex", "initech", "umbrella"]


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.counter = 0

    def name(self) -> str:
        self.counter += 1
        return f"{self.r.choice(WORDS)}_{self.r.choice(ENVS)}_{self.counter}"

    def tags(self, indent: str = "  ") -> str:
        r = self.r
        return (f"{indent}tags = {{\n{indent}  Name        = \"{r.choice(WORDS)}-{r.randrange(1000)}\"\n"
                f"{indent}  Environment = \"{r.choice(ENVS)}\"\n{indent}  Team        = \"{r.choice(WORDS)}\"\n"
                f"{indent}  CostCenter  = \"cc-{r.randrange(100, 999)}\"\n{indent}}}\n")

    # ---- ordinary Terraform -------------------------------------------------------------
    def tf_bucket(self) -> str:
        n = self.name()
        return (f"resource \"aws_s3_bucket\" \"{n}\" {{\n  bucket = \"{n.replace('_', '-')}-{self.r.randrange(10**6)}\"\n"
                f"{self.tags()}}}\n\n"
                f"resource \"aws_s3_bucket_versioning\" \"{n}\" {{\n  bucket = aws_s3_bucket.{n}.id\n"
                f"  versioning_configuration {{\n    status = \"Enabled\"\n  }}\n}}\n\n"
                f"resource \"aws_s3_bucket_server_side_encryption_configuration\" \"{n}\" {{\n"
                f"  bucket = aws_s3_bucket.{n}.id\n  rule {{\n    apply_server_side_encryption_by_default {{\n"
                f"      sse_algorithm = \"aws:kms\"\n    }}\n  }}\n}}\n\n"
                f"resource \"aws_s3_bucket_public_access_block\" \"{n}\" {{\n  bucket                  = aws_s3_bucket.{n}.id\n"
                f"  block_public_acls       = true\n  block_public_policy     = true\n"
                f"  ignore_public_acls      = true\n  restrict_public_buckets = true\n}}\n\n")

    def tf_instance(self) -> str:
        n = self.name()
        r = self.r
        return (f"resource \"aws_instance\" \"{n}\" {{\n  ami           = var.ami_id\n"
                f"  instance_type = \"{r.choice(INSTANCE_TYPES)}\"\n  subnet_id     = var.subnet_ids[{r.randrange(3)}]\n"
                f"  monitoring    = true\n  ebs_optimized = true\n\n  metadata_options {{\n"
                f"    http_endpoint = \"enabled\"\n    http_tokens   = \"required\"\n  }}\n\n"
                f"  root_block_device {{\n    volume_size = {r.choice([20, 30, 50, 100])}\n    encrypted   = true\n  }}\n\n"
                f"  user_data = <<-EOT\n    #!/bin/bash\n    yum install -y amazon-cloudwatch-agent\n"
                f"    systemctl enable {r.choice(WORDS)}.service\n  EOT\n\n{self.tags()}}}\n\n")

    def tf_security_group(self) -> str:
        n = self.name()
        r = self.r
        rules = []
        for _ in range(r.randrange(1, 4)):
            port = r.choice([22, 80, 443, 5432, 6379, 8080, 9090])
            rules.append(f"  ingress {{\n    description = \"port {port}\"\n    from_port   = {port}\n    to_port     = {port}\n"
                         f"    protocol    = \"tcp\"\n    cidr_blocks = [\"10.{r.randrange(256)}.0.0/16\"]\n  }}\n")
        return (f"resource \"aws_security_group\" \"{n}\" {{\n  name        = \"{n}\"\n  description = \"{n} traffic\"\n"
                f"  vpc_id      = var.vpc_id\n\n{''.join(rules)}\n  egress {{\n    from_port   = 0\n    to_port     = 0\n"
                f"    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n\n{self.tags()}}}\n\n")

    def tf_iam_policy(self) -> str:
        n = self.name()
        r = self.r
        actions = r.sample(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage", "sqs:ReceiveMessage",
                            "dynamodb:GetItem", "dynamodb:PutItem", "kms:Decrypt", "logs:PutLogEvents"], 3)
        return (f"data \"aws_iam_policy_document\" \"{n}\" {{\n  statement {{\n    sid     = \"{n.replace('_', '')}\"\n"
                f"    effect  = \"Allow\"\n    actions = {json.dumps(actions)}\n"
                f"    resources = [\"arn:aws:s3:::{n.replace('_', '-')}/*\"]\n  }}\n}}\n\n"
                f"resource \"aws_iam_policy\" \"{n}\" {{\n  name   = \"{n}\"\n  policy = data.aws_iam_policy_document.{n}.json\n}}\n\n")

    def tf_service_role(self) -> str:
        n = self.name()
        service = self.r.choice(["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com"])
        return (f"resource \"aws_iam_role\" \"{n}\" {{\n  name = \"{n}\"\n  assume_role_policy = jsonencode({{\n"
                f"    Version = \"2012-10-17\"\n    Statement = [{{\n      Effect    = \"Allow\"\n"
                f"      Action    = \"sts:AssumeRole\"\n      Principal = {{ Service = \"{service}\" }}\n    }}]\n  }})\n}}\n\n"
                f"resource \"aws_iam_role_policy_attachment\" \"{n}\" {{\n  role       = aws_iam_role.{n}.name\n"
                f"  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}}\n\n")

    def tf_variables(self) -> str:
        out = []
        for v, default in (("region", f"\"{self.r.choice(REGIONS)}\""), ("ami_id", "\"ami-0abcdef1234567890\""),
                           ("vpc_id", "\"vpc-0123456789abcdef0\""), ("subnet_ids", "[\"subnet-a\", \"subnet-b\", \"subnet-c\"]"),
                           ("environment", f"\"{self.r.choice(ENVS)}\"")):
            out.append(f"variable \"{v}\" {{\n  description = \"The {v.replace('_', ' ')}\"\n  default     = {default}\n}}\n\n")
        for _ in range(self.r.randrange(5, 30)):
            n = self.name()
            out.append(f"variable \"{n}\" {{\n  type        = string\n  description = \"Setting {n}\"\n  default     = \"{self.r.choice(WORDS)}\"\n}}\n\n")
        out.append(f"locals {{\n  name_prefix = \"${{var.environment}}-{self.r.choice(WORDS)}\"\n  common_tags = {{\n"
                   f"    ManagedBy = \"terraform\"\n    Repo      = \"infra\"\n  }}\n}}\n")
        return "".join(out)

    def ordinary_tf(self, service_role: bool) -> str:
        r = self.r
        target = r.randrange(1000, 10000)
        parts = [f"# {r.choice(WORDS)} infrastructure ({r.choice(ENVS)})\n\n"]
        size = len(parts[0])
        makers = [self.tf_bucket, self.tf_instance, self.tf_security_group, self.tf_iam_policy]
        if service_role:
            parts.append(self.tf_service_role())
        while size < target:
            block = r.choice(makers)()
            parts.append(block)
            size += len(block)
        return "".join(parts)

    # ---- ordinary CloudFormation --------------------------------------------------------
    def cfn_resources(self, service_role: bool) -> dict:
        r = self.r
        resources: dict = {}
        target = r.randrange(700, 6000)
        if service_role:
            resources["FunctionRole"] = {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]}}
        while len(json.dumps(resources)) < target:
            kind = r.randrange(4)
            logical = f"{r.choice(WORDS).capitalize()}{r.choice(['Bucket', 'Instance', 'Sg', 'Queue'])}{len(resources)}"
            if kind == 0:
                resources[logical] = {"Type": "AWS::S3::Bucket", "Properties": {
                    "BucketName": f"{r.choice(WORDS)}-{r.randrange(10**6)}",
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
                    "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                    "Tags": [{"Key": "Environment", "Value": r.choice(ENVS)}]}}
            elif kind == 1:
                resources[logical] = {"Type": "AWS::EC2::Instance", "Properties": {
                    "ImageId": "ami-0abcdef1234567890", "InstanceType": r.choice(INSTANCE_TYPES),
                    "SubnetId": {"Ref": "SubnetId"}, "Monitoring": True,
                    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "Encrypted": True}}],
                    "Tags": [{"Key": "Name", "Value": f"{r.choice(WORDS)}-{r.randrange(100)}"}]}}
            elif kind == 2:
                resources[logical] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                    "GroupDescription": f"{r.choice(WORDS)} traffic", "VpcId": {"Ref": "VpcId"},
                    "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "CidrIp": "10.0.0.0/8"}
                                             for p in r.sample([22, 80, 443, 5432, 8080], 2)]}}
            else:
                resources[logical] = {"Type": "AWS::SQS::Queue", "Properties": {
                    "QueueName": f"{r.choice(WORDS)}-{r.randrange(10**4)}", "KmsMasterKeyId": "alias/aws/sqs",
                    "MessageRetentionPeriod": r.choice([86400, 345600, 1209600])}}
        return resources

    def cfn_template(self, resources: dict, description: str) -> dict:
        return {"AWSTemplateFormatVersion": "2010-09-09", "Description": description,
                "Parameters": {"VpcId": {"Type": "AWS::EC2::VPC::Id"}, "SubnetId": {"Type": "AWS::EC2::Subnet::Id"}},
                "Resources": resources}

    # ---- federation ---------------------------------------------------------------------
    def subject(self, wildcard: bool, org: str, repo: str) -> tuple[str, str]:
        r = self.r
        if wildcard:
            return "StringLike", r.choice([f"repo:{org}/*", f"repo:{org}/{repo}:*", f"repo:{org}/{repo}*"])
        return "StringEquals", r.choice([f"repo:{org}/{repo}:environment:production",
                                         f"repo:{org}/{repo}:ref:refs/heads/main"])

    def fed_aws_tf(self) -> str:
        r = self.r
        org, repo, n = r.choice(ORGS), r.choice(WORDS), self.name()
        test, sub = self.subject(r.random() < 0.5, org, repo)
        if r.random() < 0.5:
            trust = (f"  assume_role_policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{\n"
                     f"      Effect    = \"Allow\"\n      Action    = \"sts:AssumeRoleWithWebIdentity\"\n"
                     f"      Principal = {{ Federated = \"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\" }}\n"
                     f"      Condition = {{\n        {test} = {{\n"
                     f"          \"token.actions.githubusercontent.com:aud\" = \"sts.amazonaws.com\"\n"
                     f"          \"token.actions.githubusercontent.com:sub\" = \"{sub}\"\n        }}\n      }}\n    }}]\n  }})\n")
            extra = ""
        else:
            trust = f"  assume_role_policy = data.aws_iam_policy_document.{n}_trust.json\n"
            extra = (f"data \"aws_iam_policy_document\" \"{n}_trust\" {{\n  statement {{\n"
                     f"    actions = [\"sts:AssumeRoleWithWebIdentity\"]\n    principals {{\n      type        = \"Federated\"\n"
                     f"      identifiers = [\"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com\"]\n    }}\n"
                     f"    condition {{\n      test     = \"StringEquals\"\n      variable = \"token.actions.githubusercontent.com:aud\"\n"
                     f"      values   = [\"sts.amazonaws.com\"]\n    }}\n    condition {{\n      test     = \"{test}\"\n"
                     f"      variable = \"token.actions.githubusercontent.com:sub\"\n      values   = [\"{sub}\"]\n    }}\n  }}\n}}\n\n")
        role = f"resource \"aws_iam_role\" \"{n}\" {{\n  name = \"gha-{n}\"\n{trust}  max_session_duration = {r.choice([3600, 3600, 43200])}\n}}\n\n"
        return f"# GitHub Actions deploy role for {org}/{repo}\n\n" + role + extra + self.tf_bucket()

    def fed_gcp_tf(self) -> str:
        r = self.r
        org, repo, n = r.choice(ORGS), r.choice(WORDS), self.name()
        condition = r.choice([f"  attribute_condition = \"assertion.repository_owner == '{org}'\"\n", ""])
        member = r.choice([
            f"principalSet://iam.googleapis.com/${{google_iam_workload_identity_pool.{n}.name}}/attribute.repository/{org}/{repo}",
            f"principal://iam.googleapis.com/${{google_iam_workload_identity_pool.{n}.name}}/subject/repo:{org}/{repo}:environment:production",
            f"principalSet://iam.googleapis.com/${{google_iam_workload_identity_pool.{n}.name}}/*",
        ])
        return (f"resource \"google_iam_workload_identity_pool\" \"{n}\" {{\n  project                   = \"proj-{n}\"\n"
                f"  workload_identity_pool_id = \"gh-{self.counter}\"\n}}\n\n"
                f"resource \"google_iam_workload_identity_pool_provider\" \"{n}\" {{\n  project                            = \"proj-{n}\"\n"
                f"  workload_identity_pool_id          = google_iam_workload_identity_pool.{n}.workload_identity_pool_id\n"
                f"  workload_identity_pool_provider_id = \"github\"\n  attribute_mapping = {{\n"
                f"    \"google.subject\"       = \"assertion.sub\"\n    \"attribute.repository\" = \"assertion.repository\"\n  }}\n"
                f"{condition}  oidc {{\n    issuer_uri = \"https://token.actions.githubusercontent.com\"\n  }}\n}}\n\n"
                f"resource \"google_service_account\" \"{n}\" {{\n  project    = \"proj-{n}\"\n  account_id = \"sa-{self.counter}\"\n}}\n\n"
                f"resource \"google_service_account_iam_member\" \"{n}\" {{\n  service_account_id = google_service_account.{n}.name\n"
                f"  role               = \"roles/iam.workloadIdentityUser\"\n  member             = \"{member}\"\n}}\n")

    def fed_azure_tf(self) -> str:
        r = self.r
        org, repo, n = r.choice(ORGS), r.choice(WORDS), self.name()
        subject = r.choice([f"repo:{org}/{repo}:environment:production", f"repo:{org}/{repo}:pull_request",
                            f"repo:{org}/{repo}:ref:refs/heads/main"])
        return (f"resource \"azurerm_user_assigned_identity\" \"{n}\" {{\n  name                = \"id-{n}\"\n"
                f"  resource_group_name = \"rg-{n}\"\n  location            = \"westeurope\"\n}}\n\n"
                f"resource \"azurerm_federated_identity_credential\" \"{n}\" {{\n  name                = \"github-{n}\"\n"
                f"  resource_group_name = \"rg-{n}\"\n  parent_id           = azurerm_user_assigned_identity.{n}.id\n"
                f"  issuer              = \"https://token.actions.githubusercontent.com\"\n  subject             = \"{subject}\"\n"
                f"  audience            = [\"api://AzureADTokenExchange\"]\n}}\n")

    def fed_cfn(self) -> dict:
        r = self.r
        org, repo = r.choice(ORGS), r.choice(WORDS)
        test, sub = self.subject(r.random() < 0.5, org, repo)
        resources = self.cfn_resources(False)
        resources["GithubDeployRole"] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": f"gha-{repo}-{self.counter}", "MaxSessionDuration": r.choice([3600, 7200]),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
                "Condition": {test: {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                     "token.actions.githubusercontent.com:sub": sub}}}]}}}
        return self.cfn_template(resources, f"GitHub OIDC deploy role for {org}/{repo}")

    def workflow(self, federated: bool) -> str:
        r = self.r
        job = r.choice(WORDS)
        if federated:
            env = r.choice(["", "    environment: production\n"])
            return (f"name: deploy-{job}\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n"
                    f"  deploy:\n    runs-on: ubuntu-latest\n{env}    permissions:\n      id-token: write\n      contents: read\n"
                    f"    steps:\n      - uses: actions/checkout@v5\n      - uses: aws-actions/configure-aws-credentials@v4\n"
                    f"        with:\n          role-to-assume: arn:aws:iam::123456789012:role/gha-{job}\n"
                    f"          aws-region: {r.choice(REGIONS)}\n      - run: ./scripts/deploy.sh\n")
        return (f"name: ci-{job}\non:\n  pull_request:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n"
                f"  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n"
                f"      - uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'\n"
                f"      - run: pip install -r requirements.txt\n      - run: pytest -q\n")


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _cfn_yaml(template: dict) -> str:
    """CloudFormation YAML without PyYAML: JSON is valid YAML, but write block style for realism."""
    lines: list[str] = []

    def emit(value, indent: int, key: str | None) -> None:
        pad = " " * indent
        head = f"{pad}{key}:" if key is not None else None
        if isinstance(value, dict):
            if head is not None:
                lines.append(head)
            for k, v in value.items():
                emit(v, indent + (2 if key is not None else 0), json.dumps(k) if ":" in k else k)
        elif isinstance(value, list):
            if head is not None:
                lines.append(head)
            for item in value:
                sub = " " * (indent + 2)
                if isinstance(item, dict):
                    first = True
                    for k, v in item.items():
                        if isinstance(v, (dict, list)):
                            lines.append(f"{sub}{'- ' if first else '  '}{k}: {json.dumps(v)}")
                        else:
                            lines.append(f"{sub}{'- ' if first else '  '}{k}: {json.dumps(v)}")
                        first = False
                else:
                    lines.append(f"{sub}- {json.dumps(item)}")
        else:
            lines.append(f"{head} {json.dumps(value)}")

    emit(template, 0, None)
    return "\n".join(lines) + "\n"


def generate(out_dir: str, n: int, seed: int = 0, federation_share: float = FEDERATION_SHARE) -> dict:
    """Write the corpus; return counts by kind. federation_share: share of federation files
    (a few percent by default; tests raise it to get many findings from a small corpus)."""
    g = Gen(seed)
    r = g.r
    counts: dict[str, int] = {}
    fed_kinds = ["aws_tf", "aws_tf", "gcp_tf", "azure_tf", "cfn", "cfn", "workflow"]
    tf_dir, in_dir, dir_no, cfn_no = None, 0, 0, 0
    i = 0  # files written so far (every file counts towards N)
    while i < n:
        roll = r.random()
        if roll < federation_share:
            kind = "fed_" + r.choice(fed_kinds)
        elif roll < federation_share + WORKFLOW_SHARE:
            kind = "workflow"
        elif roll < federation_share + WORKFLOW_SHARE + CFN_SHARE:
            kind = "cfn"
        else:
            kind = "tf"
        if kind in ("tf", "fed_aws_tf", "fed_gcp_tf", "fed_azure_tf"):
            if tf_dir is None or in_dir >= FILES_PER_TF_DIR:
                dir_no += 1
                tf_dir = os.path.join(out_dir, "terraform", f"{r.choice(WORDS)}-{dir_no:05d}")
                _write(os.path.join(tf_dir, "variables.tf"), g.tf_variables())
                counts["tf_variables"] = counts.get("tf_variables", 0) + 1
                in_dir, i = 1, i + 1
                if i >= n:
                    break
            if kind == "tf":
                text = g.ordinary_tf(r.random() < SERVICE_ROLE_SHARE)
            else:
                text = getattr(g, kind)()
            _write(os.path.join(tf_dir, f"{kind}_{i:06d}.tf"), text)
            in_dir += 1
        elif kind in ("cfn", "fed_cfn"):
            cfn_no += 1
            template = g.fed_cfn() if kind == "fed_cfn" else g.cfn_template(g.cfn_resources(r.random() < SERVICE_ROLE_SHARE), f"{r.choice(WORDS)} stack")
            sub = os.path.join(out_dir, "cloudformation", f"stacks-{cfn_no // 100:03d}")
            if r.random() < 0.5:
                _write(os.path.join(sub, f"{kind}_{i:06d}.json"), json.dumps(template, indent=2) + "\n")
            else:
                _write(os.path.join(sub, f"{kind}_{i:06d}.yaml"), _cfn_yaml(template))
        else:
            _write(os.path.join(out_dir, ".github", "workflows", f"{kind}_{i:06d}.yml"), g.workflow(kind == "fed_workflow"))
        counts[kind] = counts.get(kind, 0) + 1
        i += 1
    return counts


def count_files(out_dir: str) -> int:
    return sum(len(files) for _, _, files in os.walk(out_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--federation-share", type=float, default=FEDERATION_SHARE,
                        help=f"share of files with federation trust (default {FEDERATION_SHARE})")
    args = parser.parse_args(argv)
    counts = generate(args.out_dir, args.n, args.seed, args.federation_share)
    print(json.dumps({"files": count_files(args.out_dir), "kinds": counts}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
