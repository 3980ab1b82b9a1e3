//! What a principal's permissions amount to: administrator, or a set of sensitive capabilities.
//! Reaching another principal is worth it when it adds one of these.

use crate::policy::Effective;

/// A sensitive capability, each recognized by a few actions allowed on every resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Capability {
    /// Change IAM: create keys, write policies, pass roles.
    IamWrite,
    /// Read secrets: Secrets Manager values, SSM parameters, KMS decryption.
    Secrets,
    /// Read data: S3 objects, DynamoDB items.
    DataRead,
    /// Change or delete data.
    DataWrite,
    /// Run code: instances, functions, tasks.
    Compute,
    /// Blind the account: stop CloudTrail, delete logs.
    Audit,
    /// Change the organization or leave it.
    Organization,
}

pub const ALL: [Capability; 7] = [
    Capability::IamWrite,
    Capability::Secrets,
    Capability::DataRead,
    Capability::DataWrite,
    Capability::Compute,
    Capability::Audit,
    Capability::Organization,
];

impl Capability {
    /// The actions that show it (any one on every resource).
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Capability::IamWrite => &[
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
                "iam:PutUserPolicy",
                "iam:CreateAccessKey",
                "iam:CreatePolicyVersion",
            ],
            Capability::Secrets => &[
                "secretsmanager:GetSecretValue",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "kms:Decrypt",
            ],
            Capability::DataRead => &["s3:GetObject", "dynamodb:GetItem", "dynamodb:Scan"],
            Capability::DataWrite => &[
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:DeleteBucket",
                "dynamodb:PutItem",
                "dynamodb:DeleteTable",
            ],
            Capability::Compute => &[
                "ec2:RunInstances",
                "lambda:UpdateFunctionCode",
                "ecs:RunTask",
                "ssm:SendCommand",
            ],
            Capability::Audit => &[
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "logs:DeleteLogGroup",
            ],
            Capability::Organization => &[
                "organizations:LeaveOrganization",
                "organizations:DeletePolicy",
                "organizations:DetachPolicy",
            ],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::IamWrite => "iam-write",
            Capability::Secrets => "secrets",
            Capability::DataRead => "data-read",
            Capability::DataWrite => "data-write",
            Capability::Compute => "compute",
            Capability::Audit => "audit",
            Capability::Organization => "organization",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Every capability probe, for the policy index.
pub const PROBE_ACTIONS: &[&str] = &[
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreatePolicyVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "kms:Decrypt",
    "s3:GetObject",
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteBucket",
    "dynamodb:PutItem",
    "dynamodb:DeleteTable",
    "ec2:RunInstances",
    "lambda:UpdateFunctionCode",
    "ecs:RunTask",
    "ssm:SendCommand",
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "logs:DeleteLogGroup",
    "organizations:LeaveOrganization",
    "organizations:DeletePolicy",
    "organizations:DetachPolicy",
];

/// What a principal can do: administrator of its account, or a set of capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Power {
    pub admin: bool,
    caps: u16,
}

impl Power {
    pub const ADMIN: Power = Power {
        admin: true,
        caps: u16::MAX,
    };

    /// The power of effective permissions.
    pub fn of(e: &Effective<'_>) -> Power {
        if e.admin().is_some() {
            return Power::ADMIN;
        }
        let mut caps = 0;
        for c in ALL {
            if c.actions()
                .iter()
                .any(|a| e.grant(a).is_some_and(|g| g.all_resources))
            {
                caps |= c.bit();
            }
        }
        Power { admin: false, caps }
    }

    pub fn union(self, other: Power) -> Power {
        Power {
            admin: self.admin || other.admin,
            caps: self.caps | other.caps,
        }
    }

    /// Whether `other` adds anything to this.
    pub fn gains_from(self, other: Power) -> bool {
        !self.admin && (other.admin || other.caps & !self.caps != 0)
    }

    pub fn has(self, c: Capability) -> bool {
        self.caps & c.bit() != 0
    }

    /// The capabilities, named.
    pub fn names(self) -> Vec<&'static str> {
        if self.admin {
            return vec!["admin"];
        }
        ALL.iter()
            .filter(|c| self.has(**c))
            .map(|c| c.as_str())
            .collect()
    }

    /// What `other` adds to this, named.
    pub fn gained(self, other: Power) -> Vec<&'static str> {
        if other.admin && !self.admin {
            return vec!["admin"];
        }
        ALL.iter()
            .filter(|c| other.has(**c) && !self.has(**c))
            .map(|c| c.as_str())
            .collect()
    }

    pub fn is_empty(self) -> bool {
        !self.admin && self.caps == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_list_every_capability_action() {
        for c in ALL {
            for a in c.actions() {
                assert!(PROBE_ACTIONS.contains(a), "{a}");
                assert!(crate::policy::actions::catalog().knows(a), "{a}");
            }
        }
    }
}
