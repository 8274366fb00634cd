//! `pgark iam-policy`: the IAM policies of the backup bucket's users.

use std::io::{self, Write};

use pgark::bucket::policy::Role;
use pgark::Error;

use super::args::{IamPolicyArgs, PolicyRole};

pub fn run(args: &IamPolicyArgs) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    write(&mut out, args).map_err(Error::Output)?;
    out.flush().map_err(Error::Output)
}

fn write(out: &mut impl Write, args: &IamPolicyArgs) -> io::Result<()> {
    let url = &args.url;
    match args.role {
        Some(role) => {
            let role = match role {
                PolicyRole::Writer => Role::Writer,
                PolicyRole::Reader => Role::Reader,
                PolicyRole::Pruner => Role::Pruner {
                    purge_versions: args.purge_versions,
                },
            };
            writeln!(out, "{:#}", role.policy(url))
        }
        None => {
            writeln!(
                out,
                "# writer: the write-only backup user (pgark iam-policy --role writer {url})"
            )?;
            writeln!(out, "{:#}", Role::Writer.policy(url))?;
            writeln!(out)?;
            writeln!(
                out,
                "# reader: the admin / restore drill role (pgark iam-policy --role reader {url})"
            )?;
            writeln!(out, "{:#}", Role::Reader.policy(url))?;
            writeln!(out)?;
            writeln!(
                out,
                "# pruner: pgark prune --apply (pgark iam-policy --role pruner [--purge-versions] {url})"
            )?;
            let pruner = Role::Pruner {
                purge_versions: args.purge_versions,
            };
            writeln!(out, "{:#}", pruner.policy(url))
        }
    }
}
