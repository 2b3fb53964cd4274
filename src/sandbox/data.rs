//! The four fixed data sets behind the sandbox accounts.

use super::SandboxAccount;
use super::model::{Node, Package, ScreeningKind};

const SEEDED_AT: &str = "2026-01-05T09:00:00Z";

/// Packages and hierarchy of one account; immutable, so accounts with the same data set share it.
#[derive(Debug)]
pub(crate) struct DataSet {
    pub(crate) packages: Vec<Package>,
    /// `None` when the account is not enabled for Hierarchy.
    pub(crate) nodes: Option<Vec<Node>>,
}

impl DataSet {
    pub(crate) fn build(which: SandboxAccount) -> Self {
        match which {
            SandboxAccount::NoHierarchy => Self {
                packages: standard_packages(),
                nodes: None,
            },
            SandboxAccount::NoNodes => Self {
                packages: standard_packages(),
                nodes: Some(Vec::new()),
            },
            SandboxAccount::Tree => Self {
                packages: tree_packages(),
                nodes: Some(tree_nodes()),
            },
            SandboxAccount::Large => large(),
        }
    }

    pub(crate) fn package(&self, slug: &str) -> Option<&Package> {
        self.packages.iter().find(|package| package.slug == slug)
    }

    pub(crate) fn node(&self, custom_id: &str) -> Option<&Node> {
        self.nodes
            .as_deref()
            .and_then(|nodes| nodes.iter().find(|node| node.custom_id == custom_id))
    }

    pub(crate) fn has_nodes(&self) -> bool {
        self.nodes.as_deref().is_some_and(|nodes| !nodes.is_empty())
    }
}

use ScreeningKind::{CountyCriminalSearch, MotorVehicleReport, NationalCriminalSearch, SsnTrace};

fn package(
    id: &str,
    slug: &str,
    name: &str,
    price: u32,
    screenings: &[(ScreeningKind, Option<&'static str>)],
) -> Package {
    Package {
        id: id.to_owned(),
        name: name.to_owned(),
        slug: slug.to_owned(),
        price,
        created_at: SEEDED_AT,
        screenings: screenings.to_vec(),
    }
}

// Checkr's test-mode defaults plus two account-specific ones.
fn standard_packages() -> Vec<Package> {
    vec![
        package(
            "pkg_std_01",
            "tasker_standard",
            "Tasker Standard",
            2_999,
            &[(SsnTrace, None), (NationalCriminalSearch, None)],
        ),
        package(
            "pkg_std_02",
            "tasker_pro",
            "Tasker Pro",
            4_999,
            &[
                (SsnTrace, None),
                (NationalCriminalSearch, None),
                (CountyCriminalSearch, Some("7years")),
            ],
        ),
        package(
            "pkg_std_03",
            "driver_standard",
            "Driver Standard",
            3_999,
            &[(SsnTrace, None), (MotorVehicleReport, None)],
        ),
        package(
            "pkg_std_04",
            "driver_pro",
            "Driver Pro",
            6_500,
            &[
                (SsnTrace, None),
                (NationalCriminalSearch, None),
                (CountyCriminalSearch, Some("current")),
                (MotorVehicleReport, None),
            ],
        ),
        package(
            "pkg_std_05",
            "retail_associate",
            "Retail Associate (custom)",
            2_499,
            &[(SsnTrace, None), (CountyCriminalSearch, Some("current"))],
        ),
        package(
            "pkg_std_06",
            "healthcare_plus",
            "Healthcare Plus (custom)",
            8_900,
            &[
                (SsnTrace, None),
                (NationalCriminalSearch, None),
                (CountyCriminalSearch, Some("7years")),
                (CountyCriminalSearch, Some("current")),
            ],
        ),
    ]
}

fn tree_packages() -> Vec<Package> {
    let mut packages = standard_packages();
    packages.push(package(
        "pkg_std_07",
        "warehouse_basic",
        "Warehouse Basic",
        1_999,
        &[(SsnTrace, None), (NationalCriminalSearch, None)],
    ));
    packages.push(package(
        "pkg_std_08",
        "executive_full",
        "Executive Full",
        12_500,
        &[
            (SsnTrace, None),
            (NationalCriminalSearch, None),
            (CountyCriminalSearch, Some("7years")),
            (MotorVehicleReport, None),
        ],
    ));
    packages
}

struct NodeSpec<'a> {
    custom_id: &'a str,
    name: &'a str,
    tier: &'a str,
    parent: Option<&'a str>,
    packages: &'a [&'a str],
}

// Acme → West/East → states → sites. Some nodes carry packages, some inherit, and the New
// Jersey branch has none anywhere, so a node offering every package is reachable.
fn tree_nodes() -> Vec<Node> {
    let spec = [
        ("acme", "Acme Corp", "Company", None, &[][..]),
        (
            "west",
            "Acme West",
            "Region",
            Some("acme"),
            &["driver_standard", "driver_pro"][..],
        ),
        ("east", "Acme East", "Region", Some("acme"), &[][..]),
        (
            "ca",
            "California",
            "State",
            Some("west"),
            &["warehouse_basic"][..],
        ),
        ("wa", "Washington", "State", Some("west"), &[][..]),
        (
            "ny",
            "New York",
            "State",
            Some("east"),
            &["tasker_pro", "executive_full"][..],
        ),
        ("nj", "New Jersey", "State", Some("east"), &[][..]),
        ("site-sf", "San Francisco HQ", "Site", Some("ca"), &[][..]),
        (
            "site-la",
            "Los Angeles Depot",
            "Site",
            Some("ca"),
            &["tasker_standard"][..],
        ),
        ("site-sea", "Seattle Office", "Site", Some("wa"), &[][..]),
        ("site-nyc", "Manhattan Office", "Site", Some("ny"), &[][..]),
        (
            "site-newark",
            "Newark Warehouse",
            "Site",
            Some("nj"),
            &[][..],
        ),
    ];
    let specs: Vec<NodeSpec<'_>> = spec
        .iter()
        .map(|(custom_id, name, tier, parent, packages)| NodeSpec {
            custom_id,
            name,
            tier,
            parent: *parent,
            packages,
        })
        .collect();
    resolve(&specs)
}

/// Turns specs (parents listed before children) into nodes with inherited packages.
fn resolve(specs: &[NodeSpec<'_>]) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::with_capacity(specs.len());
    let mut index = std::collections::HashMap::new();
    for spec in specs {
        let mut effective = spec
            .parent
            .and_then(|parent| index.get(parent))
            .map(|&position: &usize| nodes[position].effective_packages.clone())
            .unwrap_or_default();
        for slug in spec.packages {
            if !effective.iter().any(|known| known == slug) {
                effective.push((*slug).to_owned());
            }
        }
        index.insert(spec.custom_id, nodes.len());
        nodes.push(Node {
            custom_id: spec.custom_id.to_owned(),
            name: spec.name.to_owned(),
            tier: spec.tier.to_owned(),
            parent_custom_id: spec.parent.map(str::to_owned),
            effective_packages: effective,
        });
    }
    nodes
}

/// A generated node before it borrows into a [`NodeSpec`]: id, name, tier, parent, packages.
type OwnedSpec = (String, String, &'static str, Option<String>, Vec<String>);

/// 2,500 packages; 1,000 nodes in four tiers (1 company, 9 divisions, 90 regions, 900 sites).
fn large() -> DataSet {
    let packages = (1..=2_500u32)
        .map(|n| {
            let mut screenings = vec![(SsnTrace, None), (NationalCriminalSearch, None)];
            if n % 3 == 0 {
                screenings.push((CountyCriminalSearch, Some("7years")));
            }
            if n % 5 == 0 {
                screenings.push((MotorVehicleReport, None));
            }
            Package {
                id: format!("pkg_large_{n:04}"),
                name: format!("Large Package {n:04}"),
                slug: format!("large_pkg_{n:04}"),
                price: 1_500 + (n * 37 % 90) * 100,
                created_at: SEEDED_AT,
                screenings,
            }
        })
        .collect();

    let mut owned: Vec<OwnedSpec> = Vec::new();
    owned.push((
        "large-co".into(),
        "Large Co".into(),
        "Company",
        None,
        Vec::new(),
    ));
    for division in 1..=9u32 {
        let division_id = format!("div-{division}");
        let slugs = (1..=3)
            .map(|k| format!("large_pkg_{:04}", division * 100 + k))
            .collect();
        owned.push((
            division_id.clone(),
            format!("Division {division}"),
            "Division",
            Some("large-co".into()),
            slugs,
        ));
        for region in 1..=10u32 {
            let region_id = format!("{division_id}-reg-{region:02}");
            owned.push((
                region_id.clone(),
                format!("Division {division} Region {region:02}"),
                "Region",
                Some(division_id.clone()),
                Vec::new(),
            ));
            for site in 1..=10u32 {
                let ordinal = (division - 1) * 100 + (region - 1) * 10 + site;
                let slugs = if ordinal % 7 == 0 {
                    vec![format!("large_pkg_{:04}", 1_000 + ordinal)]
                } else {
                    Vec::new()
                };
                owned.push((
                    format!("{region_id}-site-{site:02}"),
                    format!("Site {ordinal:03}"),
                    "Site",
                    Some(region_id.clone()),
                    slugs,
                ));
            }
        }
    }
    let slug_refs: Vec<Vec<&str>> = owned
        .iter()
        .map(|(_, _, _, _, slugs)| slugs.iter().map(String::as_str).collect())
        .collect();
    let specs: Vec<NodeSpec<'_>> = owned
        .iter()
        .zip(&slug_refs)
        .map(|((custom_id, name, tier, parent, _), slugs)| NodeSpec {
            custom_id,
            name,
            tier,
            parent: parent.as_deref(),
            packages: slugs,
        })
        .collect();
    DataSet {
        packages,
        nodes: Some(resolve(&specs)),
    }
}
