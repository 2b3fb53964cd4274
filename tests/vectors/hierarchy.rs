//! Account hierarchy vectors: packages offered per node, the node picker, and tree repairs.
use bgcheck::domain::hierarchy::{Catalog, Hierarchy, Node, NodeTree, Package, filter_options};

/// A fixture node: (custom_id, name, tier, parent_custom_id, package slugs).
pub type N = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
);

/// The account's packages, in the order the provider lists them: (slug, name, price in cents).
pub const PACKAGES: &[(&str, &str, Option<u64>)] = &[
    ("tasker_standard", "Tasker Standard", Some(2500)),
    ("tasker_pro", "Tasker Pro", Some(4500)),
    ("driver_standard", "Driver Standard", Some(3500)),
    ("driver_pro", "Driver Pro", None),
];

/// Every package slug, in catalog order.
pub const ALL: &[&str] = &[
    "tasker_standard",
    "tasker_pro",
    "driver_standard",
    "driver_pro",
];

/// company → region → state → site; node packages already include inherited ones.
pub const FOUR_TIERS: &[N] = &[
    ("acme", "Acme Corp", Some("company"), None, &[]),
    (
        "west",
        "West Region",
        Some("region"),
        Some("acme"),
        &["driver_pro"],
    ),
    ("east", "East Region", Some("region"), Some("acme"), &[]),
    (
        "ca",
        "California",
        Some("state"),
        Some("west"),
        &["driver_pro", "tasker_standard"],
    ),
    ("ny", "New York", Some("state"), Some("east"), &[]),
    ("nyc-02", "Brooklyn Depot", None, Some("ny"), &[]),
    (
        "nyc-01",
        "Manhattan Office",
        Some("site"),
        Some("ny"),
        &["retired_package", "tasker_pro"],
    ),
    (
        "nyc-03",
        "Queens Yard",
        Some("site"),
        Some("ny"),
        &["retired_package"],
    ),
    (
        "sf-01",
        "San Francisco HQ",
        Some("site"),
        Some("ca"),
        &["tasker_standard", "driver_pro"],
    ),
    (
        "la-01",
        "Los Angeles Yard",
        Some("site"),
        Some("ca"),
        &["driver_standard", "driver_pro", "tasker_standard"],
    ),
];

/// Three levels without any tier.
pub const UNTIERED: &[N] = &[
    ("root", "Root", None, None, &[]),
    ("kid", "Kid", Some("  "), Some("root"), &[]),
    ("grandkid", "Grandkid", None, Some("kid"), &[]),
];

/// `lost` names a parent that is not in the list.
pub const ORPHAN: &[N] = &[
    ("hq", "Headquarters", Some("company"), None, &[]),
    ("lost", "Lost Site", Some("site"), Some("gone"), &[]),
    ("child", "Child", None, Some("lost"), &[]),
];

/// a ↔ b, s is its own parent, c hangs below a.
pub const CYCLES: &[N] = &[
    ("b", "B", None, Some("a"), &[]),
    ("a", "A", None, Some("b"), &[]),
    ("s", "Self", None, Some("s"), &[]),
    ("c", "C", None, Some("a"), &[]),
];

/// z → x → y → z.
pub const THREE_CYCLE: &[N] = &[
    ("z", "Z", None, Some("x"), &[]),
    ("y", "Y", None, Some("z"), &[]),
    ("x", "X", None, Some("y"), &[]),
];

/// `x` appears twice; the second copy would otherwise hang below `y` and add a cycle.
pub const DUPLICATES: &[N] = &[
    ("x", "First", Some("team"), None, &["tasker_pro"]),
    ("y", "Y", None, Some("x"), &[]),
    ("x", "Second", Some("other"), Some("y"), &["driver_pro"]),
];

/// What the provider answered to `GET /v1/nodes?include=packages`.
#[derive(Clone, Copy)]
pub enum Account {
    /// 403 "not enabled for Hierarchy".
    NotEnabled,
    /// An empty list.
    NoNodes,
    /// These nodes.
    Nodes(&'static [N]),
}

/// One select of the picker: (label, option ids, selected id).
pub type L = (&'static str, &'static [&'static str], Option<&'static str>);

/// What a case asks and the answer the seed text implies.
pub enum Ask {
    /// Slugs offered for the selected node.
    Offered {
        node: Option<&'static str>,
        slugs: &'static [&'static str],
    },
    /// Whether a picker is shown and a node is required on the invitation.
    Picker { shown: bool, node_required: bool },
    /// Root ids in order.
    Roots(&'static [&'static str]),
    /// Child ids of `parent` in order.
    Children {
        parent: Option<&'static str>,
        ids: &'static [&'static str],
    },
    /// The label of the select listing the children of `parent`.
    Label {
        parent: Option<&'static str>,
        label: &'static str,
    },
    /// Ids from the root down to `node`.
    Path {
        node: &'static str,
        ids: &'static [&'static str],
    },
    /// The cascading selects for `selected`.
    Levels {
        selected: Option<&'static str>,
        levels: &'static [L],
    },
    /// Walking down from the roots meets every distinct input id exactly once.
    EveryNodeOnce,
    /// The name kept for `id`.
    Name {
        id: &'static str,
        name: &'static str,
    },
    /// Ids among the children of `parent` that match `query`.
    Filter {
        parent: Option<&'static str>,
        query: &'static str,
        ids: &'static [&'static str],
    },
    /// How a price in cents is displayed.
    Price {
        cents: Option<u64>,
        display: Option<&'static str>,
    },
}

/// One case: an account and a question about it.
pub struct Row {
    /// The account.
    pub account: Account,
    /// The question and its expected answer.
    pub ask: Ask,
}

fn nodes(fixture: &[N]) -> Vec<Node> {
    fixture
        .iter()
        .map(|&(id, name, tier, parent, packages)| Node {
            custom_id: id.to_owned(),
            name: name.to_owned(),
            tier: tier.map(str::to_owned),
            parent_custom_id: parent.map(str::to_owned),
            packages: packages.iter().map(|s| (*s).to_owned()).collect(),
        })
        .collect()
}

fn catalog(account: Account) -> Catalog {
    Catalog {
        packages: PACKAGES
            .iter()
            .map(|&(slug, name, price)| Package {
                slug: slug.to_owned(),
                name: name.to_owned(),
                price_cents: price,
            })
            .collect(),
        hierarchy: match account {
            Account::NotEnabled => Hierarchy::NotEnabled,
            Account::NoNodes => Hierarchy::Nodes(Vec::new()),
            Account::Nodes(fixture) => Hierarchy::Nodes(nodes(fixture)),
        },
    }
}

fn tree(account: Account) -> NodeTree {
    match account {
        Account::NotEnabled | Account::NoNodes => NodeTree::new(&[]),
        Account::Nodes(fixture) => NodeTree::new(&nodes(fixture)),
    }
}

fn ids<'a>(nodes: &[&'a Node]) -> Vec<&'a str> {
    nodes.iter().map(|n| n.custom_id.as_str()).collect()
}

/// Walks the tree from its roots; stops after `limit` visits so a broken tree fails instead of hanging.
pub fn walk(tree: &NodeTree, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut stack: Vec<String> = tree.roots().map(|n| n.custom_id.clone()).collect();
    while let Some(id) = stack.pop() {
        if seen.len() > limit {
            break;
        }
        stack.extend(tree.children(Some(&id)).iter().map(|n| n.custom_id.clone()));
        seen.push(id);
    }
    seen.sort();
    seen
}

/// Distinct ids of a fixture, sorted.
pub fn distinct_ids(nodes: &[Node]) -> Vec<String> {
    let mut ids: Vec<String> = nodes.iter().map(|n| n.custom_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Asserts the domain module's answer for `row` (used by native and browser tests alike).
pub fn check(row: &Row) {
    let catalog = catalog(row.account);
    let tree = tree(row.account);
    match row.ask {
        Ask::Offered { node, slugs } => {
            let offered: Vec<&str> = catalog
                .offered_packages(node)
                .iter()
                .map(|p| p.slug.as_str())
                .collect();
            assert_eq!(offered, slugs, "packages offered for node {node:?}");
            for slug in ALL {
                assert_eq!(
                    catalog.is_offered(node, slug),
                    slugs.contains(slug),
                    "is_offered agrees with offered_packages for {slug} at {node:?}"
                );
            }
        }
        Ask::Picker {
            shown,
            node_required,
        } => {
            assert_eq!(
                catalog.picker().is_some(),
                shown,
                "picker shown exactly when nodes exist"
            );
            assert_eq!(
                catalog.node_required(),
                node_required,
                "node required exactly when nodes exist"
            );
        }
        Ask::Roots(expected) => {
            let roots: Vec<&str> = tree.roots().map(|n| n.custom_id.as_str()).collect();
            assert_eq!(roots, expected, "roots in input order");
            assert_eq!(
                ids(&tree.children(None)),
                expected,
                "children(None) lists the roots"
            );
        }
        Ask::Children {
            parent,
            ids: expected,
        } => {
            assert_eq!(
                ids(&tree.children(parent)),
                expected,
                "children of {parent:?} in input order"
            );
        }
        Ask::Label { parent, label } => {
            assert_eq!(
                tree.level_label(parent),
                label,
                "label of the level below {parent:?}"
            );
        }
        Ask::Path {
            node,
            ids: expected,
        } => {
            assert_eq!(
                ids(&tree.path(node)),
                expected,
                "path from the root to {node}"
            );
        }
        Ask::Levels { selected, levels } => {
            let got: Vec<(String, Vec<&str>, Option<&str>)> = tree
                .levels_for(selected)
                .into_iter()
                .map(|l| (l.label, ids(&l.options), l.selected))
                .collect();
            let want: Vec<(String, Vec<&str>, Option<&str>)> = levels
                .iter()
                .map(|&(label, options, sel)| (label.to_owned(), options.to_vec(), sel))
                .collect();
            assert_eq!(got, want, "cascading selects for {selected:?}");
        }
        Ask::EveryNodeOnce => {
            let input = match row.account {
                Account::NotEnabled | Account::NoNodes => Vec::new(),
                Account::Nodes(fixture) => nodes(fixture),
            };
            let expected = distinct_ids(&input);
            assert_eq!(
                walk(&tree, input.len()),
                expected,
                "every distinct node appears exactly once"
            );
            assert_eq!(tree.len(), expected.len(), "duplicates are dropped");
        }
        Ask::Name { id, name } => {
            assert_eq!(
                tree.node(id).map(|n| n.name.as_str()),
                Some(name),
                "the first node with id {id} wins"
            );
        }
        Ask::Filter {
            parent,
            query,
            ids: expected,
        } => {
            let options = tree.children(parent);
            assert_eq!(
                ids(&filter_options(&options, query)),
                expected,
                "options matching {query:?}"
            );
        }
        Ask::Price { cents, display } => {
            let package = Package {
                slug: "p".to_owned(),
                name: "P".to_owned(),
                price_cents: cents,
            };
            assert_eq!(
                package.price_display().as_deref(),
                display,
                "price of {cents:?} cents"
            );
        }
    }
}

/// Calls `$case!(test_name, row)` for every case.
macro_rules! hierarchy_rows {
    ($case:ident) => {
        // R5 / seed 3.b: hierarchy not enabled.
        $case!(
            not_enabled_lists_all_packages,
            vectors::Row {
                account: vectors::Account::NotEnabled,
                ask: vectors::Ask::Offered {
                    node: None,
                    slugs: vectors::ALL
                },
            }
        );
        $case!(
            not_enabled_ignores_a_stray_node,
            vectors::Row {
                account: vectors::Account::NotEnabled,
                ask: vectors::Ask::Offered {
                    node: Some("ca"),
                    slugs: vectors::ALL
                },
            }
        );
        $case!(
            not_enabled_shows_no_picker_and_needs_no_node,
            vectors::Row {
                account: vectors::Account::NotEnabled,
                ask: vectors::Ask::Picker {
                    shown: false,
                    node_required: false
                },
            }
        );
        // Seed 3.c.i: no nodes.
        $case!(
            no_nodes_lists_all_packages,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Offered {
                    node: None,
                    slugs: vectors::ALL
                },
            }
        );
        $case!(
            no_nodes_shows_no_picker_and_needs_no_node,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Picker {
                    shown: false,
                    node_required: false
                },
            }
        );
        // Seed 3.c.ii: nodes → picker, node required on the invitation.
        $case!(
            nodes_show_picker_and_require_a_node,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Picker {
                    shown: true,
                    node_required: true
                },
            }
        );
        $case!(
            picker_before_a_node_is_chosen_lists_all_packages,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: None,
                    slugs: vectors::ALL
                },
            }
        );
        // Seed 3.c.ii.1: a node with packages offers only those, in catalog order.
        $case!(
            node_with_packages_lists_only_those,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("ca"),
                    slugs: &["tasker_standard", "driver_pro"]
                },
            }
        );
        $case!(
            node_with_one_package_lists_only_it,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("west"),
                    slugs: &["driver_pro"]
                },
            }
        );
        $case!(
            site_with_inherited_and_own_packages_lists_them_in_catalog_order,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("la-01"),
                    slugs: &["tasker_standard", "driver_standard", "driver_pro"],
                },
            }
        );
        $case!(
            node_package_unknown_to_catalog_is_ignored,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("nyc-01"),
                    slugs: &["tasker_pro"]
                },
            }
        );
        $case!(
            node_with_only_unknown_packages_lists_all_packages,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("nyc-03"),
                    slugs: vectors::ALL
                },
            }
        );
        // Seed 3.c.ii.2: a node without packages offers all.
        $case!(
            node_without_packages_lists_all_packages,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("east"),
                    slugs: vectors::ALL
                },
            }
        );
        $case!(
            unknown_node_lists_all_packages,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Offered {
                    node: Some("mars"),
                    slugs: vectors::ALL
                },
            }
        );
        $case!(
            duplicate_node_id_uses_the_first_nodes_packages,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::DUPLICATES),
                ask: vectors::Ask::Offered {
                    node: Some("x"),
                    slugs: &["tasker_pro"]
                },
            }
        );
        // Picker labels come from each level's tier.
        $case!(
            top_level_is_labelled_company,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Label {
                    parent: None,
                    label: "company"
                },
            }
        );
        $case!(
            second_level_is_labelled_region,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Label {
                    parent: Some("acme"),
                    label: "region"
                },
            }
        );
        $case!(
            third_level_is_labelled_state,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Label {
                    parent: Some("west"),
                    label: "state"
                },
            }
        );
        $case!(
            fourth_level_uses_first_sibling_with_a_tier,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Label {
                    parent: Some("ny"),
                    label: "site"
                },
            }
        );
        $case!(
            untiered_top_level_is_level_1,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::UNTIERED),
                ask: vectors::Ask::Label {
                    parent: None,
                    label: "Level 1"
                },
            }
        );
        $case!(
            blank_tier_counts_as_none_level_2,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::UNTIERED),
                ask: vectors::Ask::Label {
                    parent: Some("root"),
                    label: "Level 2"
                },
            }
        );
        $case!(
            untiered_third_level_is_level_3,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::UNTIERED),
                ask: vectors::Ask::Label {
                    parent: Some("kid"),
                    label: "Level 3"
                },
            }
        );
        // Tree shape.
        $case!(
            siblings_keep_input_order,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Children {
                    parent: Some("ny"),
                    ids: &["nyc-02", "nyc-01", "nyc-03"]
                },
            }
        );
        $case!(
            leaf_has_no_children,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Children {
                    parent: Some("sf-01"),
                    ids: &[]
                },
            }
        );
        $case!(
            unknown_parent_has_no_children,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Children {
                    parent: Some("mars"),
                    ids: &[]
                },
            }
        );
        $case!(
            path_runs_from_root_to_site,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Path {
                    node: "sf-01",
                    ids: &["acme", "west", "ca", "sf-01"]
                },
            }
        );
        $case!(
            path_of_root_is_itself,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Path {
                    node: "acme",
                    ids: &["acme"]
                },
            }
        );
        $case!(
            path_of_unknown_node_is_empty,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Path {
                    node: "mars",
                    ids: &[]
                },
            }
        );
        $case!(
            orphan_node_becomes_a_root,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::ORPHAN),
                ask: vectors::Ask::Roots(&["hq", "lost"]),
            }
        );
        $case!(
            orphan_keeps_its_own_children,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::ORPHAN),
                ask: vectors::Ask::Path {
                    node: "child",
                    ids: &["lost", "child"]
                },
            }
        );
        $case!(
            two_node_and_self_cycles_break_at_smallest_id,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::CYCLES),
                ask: vectors::Ask::Roots(&["a", "s"]),
            }
        );
        $case!(
            cycle_member_hangs_below_new_root,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::CYCLES),
                ask: vectors::Ask::Children {
                    parent: Some("a"),
                    ids: &["b", "c"]
                },
            }
        );
        $case!(
            cycle_keeps_every_node_once,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::CYCLES),
                ask: vectors::Ask::EveryNodeOnce,
            }
        );
        $case!(
            self_parent_has_no_children,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::CYCLES),
                ask: vectors::Ask::Children {
                    parent: Some("s"),
                    ids: &[]
                },
            }
        );
        $case!(
            three_node_cycle_breaks_at_smallest_id,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::THREE_CYCLE),
                ask: vectors::Ask::Path {
                    node: "y",
                    ids: &["x", "z", "y"]
                },
            }
        );
        $case!(
            three_node_cycle_keeps_every_node_once,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::THREE_CYCLE),
                ask: vectors::Ask::EveryNodeOnce,
            }
        );
        $case!(
            duplicate_id_keeps_the_first_node,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::DUPLICATES),
                ask: vectors::Ask::Name {
                    id: "x",
                    name: "First"
                },
            }
        );
        $case!(
            duplicate_id_appears_once,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::DUPLICATES),
                ask: vectors::Ask::EveryNodeOnce,
            }
        );
        $case!(
            duplicate_id_keeps_the_first_nodes_place,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::DUPLICATES),
                ask: vectors::Ask::Roots(&["x"]),
            }
        );
        $case!(
            four_tier_tree_keeps_every_node_once,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::EveryNodeOnce,
            }
        );
        // Cascading selects.
        $case!(
            nothing_selected_shows_the_top_level,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Levels {
                    selected: None,
                    levels: &[("company", &["acme"], None)]
                },
            }
        );
        $case!(
            unknown_selection_shows_the_top_level,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Levels {
                    selected: Some("mars"),
                    levels: &[("company", &["acme"], None)]
                },
            }
        );
        $case!(
            selected_state_shows_its_ancestors_and_its_sites,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Levels {
                    selected: Some("ca"),
                    levels: &[
                        ("company", &["acme"], Some("acme")),
                        ("region", &["west", "east"], Some("west")),
                        ("state", &["ca"], Some("ca")),
                        ("site", &["sf-01", "la-01"], None),
                    ],
                },
            }
        );
        $case!(
            selected_site_shows_no_further_level,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Levels {
                    selected: Some("nyc-01"),
                    levels: &[
                        ("company", &["acme"], Some("acme")),
                        ("region", &["west", "east"], Some("east")),
                        ("state", &["ny"], Some("ny")),
                        ("site", &["nyc-02", "nyc-01", "nyc-03"], Some("nyc-01")),
                    ],
                },
            }
        );
        $case!(
            orphan_tree_levels_start_at_both_roots,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::ORPHAN),
                ask: vectors::Ask::Levels {
                    selected: Some("lost"),
                    levels: &[
                        ("company", &["hq", "lost"], Some("lost")),
                        ("Level 2", &["child"], None)
                    ],
                },
            }
        );
        // Type-to-filter.
        $case!(
            filter_matches_name_ignoring_case,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Filter {
                    parent: Some("ca"),
                    query: "SAN fran",
                    ids: &["sf-01"]
                },
            }
        );
        $case!(
            filter_matches_custom_id,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Filter {
                    parent: Some("ny"),
                    query: "C-0",
                    ids: &["nyc-02", "nyc-01", "nyc-03"]
                },
            }
        );
        $case!(
            filter_blank_query_keeps_all,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Filter {
                    parent: Some("acme"),
                    query: "  ",
                    ids: &["west", "east"]
                },
            }
        );
        $case!(
            filter_without_match_is_empty,
            vectors::Row {
                account: vectors::Account::Nodes(vectors::FOUR_TIERS),
                ask: vectors::Ask::Filter {
                    parent: Some("acme"),
                    query: "north",
                    ids: &[]
                },
            }
        );
        // Prices are USD cents.
        $case!(
            price_6500_cents_is_65_dollars,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: Some(6500),
                    display: Some("$65.00")
                },
            }
        );
        $case!(
            price_has_thousands_separator,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: Some(123450),
                    display: Some("$1,234.50")
                },
            }
        );
        $case!(
            price_in_millions_has_two_separators,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: Some(100_000_001),
                    display: Some("$1,000,000.01")
                },
            }
        );
        $case!(
            price_under_a_dollar_pads_cents,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: Some(5),
                    display: Some("$0.05")
                },
            }
        );
        $case!(
            price_of_999_dollars_has_no_separator,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: Some(99999),
                    display: Some("$999.99")
                },
            }
        );
        $case!(
            missing_price_shows_nothing,
            vectors::Row {
                account: vectors::Account::NoNodes,
                ask: vectors::Ask::Price {
                    cents: None,
                    display: None
                },
            }
        );
    };
}
