//! Account hierarchy: the shared vectors, provider JSON shapes, large trees, and arbitrary parent links.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[macro_use]
#[path = "vectors/hierarchy.rs"]
mod vectors;

use bgcheck::domain::hierarchy::{Catalog, Hierarchy, Node, NodeTree, Package};
use proptest::prelude::*;

macro_rules! native_case {
    ($name:ident, $row:expr) => {
        #[test]
        fn $name() {
            vectors::check(&$row);
        }
    };
}
hierarchy_rows!(native_case);

fn node(id: &str, parent: Option<&str>) -> Node {
    Node {
        custom_id: id.to_owned(),
        name: format!("Node {id}"),
        tier: None,
        parent_custom_id: parent.map(str::to_owned),
        packages: Vec::new(),
    }
}

#[test]
fn package_deserializes_from_provider_object_with_price_in_cents() {
    let json = r#"{
        "id": "e44aa283528e6fde7d542194",
        "object": "package",
        "uri": "/v1/packages/e44aa283528e6fde7d542194",
        "apply_url": "https://apply.example/packages/driver_pro",
        "created_at": "2015-07-07T18:44:11Z",
        "deleted_at": null,
        "name": "Driver Pro",
        "slug": "driver_pro",
        "price": 6500,
        "drug_screening_price": null,
        "screenings": [{"type": "ssn_trace", "subtype": null}, {"type": "county_criminal_search", "subtype": "7years"}]
    }"#;
    let package: Package = serde_json::from_str(json).expect("package object parses");
    assert_eq!(
        package,
        Package {
            slug: "driver_pro".into(),
            name: "Driver Pro".into(),
            price_cents: Some(6500)
        }
    );
    assert_eq!(package.price_display().as_deref(), Some("$65.00"));
}

#[test]
fn package_without_price_deserializes_with_no_price() {
    let package: Package =
        serde_json::from_str(r#"{"slug":"tasker_pro","name":"Tasker Pro"}"#).expect("parses");
    assert_eq!(package.price_cents, None);
    let null_price: Package =
        serde_json::from_str(r#"{"slug":"tasker_pro","name":"Tasker Pro","price":null}"#)
            .expect("parses");
    assert_eq!(null_price.price_cents, None);
}

#[test]
fn node_deserializes_from_provider_object_with_packages() {
    let json = r#"{
        "custom_id": "sf-01",
        "name": "San Francisco HQ",
        "tier": "site",
        "parent_custom_id": "ca",
        "packages": ["driver_pro", "tasker_standard"],
        "object": "node",
        "created_at": "2021-01-01T00:00:00Z"
    }"#;
    let parsed: Node = serde_json::from_str(json).expect("node object parses");
    assert_eq!(
        parsed,
        Node {
            custom_id: "sf-01".into(),
            name: "San Francisco HQ".into(),
            tier: Some("site".into()),
            parent_custom_id: Some("ca".into()),
            packages: vec!["driver_pro".into(), "tasker_standard".into()],
        }
    );
}

#[test]
fn top_level_node_without_optional_fields_deserializes() {
    let parsed: Node =
        serde_json::from_str(r#"{"custom_id":"acme","name":"Acme Corp","parent_custom_id":null}"#)
            .expect("parses");
    assert_eq!(parsed.tier, None);
    assert_eq!(parsed.parent_custom_id, None);
    assert!(parsed.packages.is_empty());
}

#[test]
fn node_without_custom_id_is_rejected() {
    assert!(serde_json::from_str::<Node>(r#"{"name":"Nameless"}"#).is_err());
}

#[test]
fn not_enabled_hierarchy_round_trips_as_tagged_json() {
    let json = serde_json::to_string(&Hierarchy::NotEnabled).expect("serializes");
    assert_eq!(json, r#"{"kind":"not_enabled"}"#);
    let back: Hierarchy = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, Hierarchy::NotEnabled);
}

#[test]
fn catalog_with_nodes_round_trips_as_json() {
    let catalog = Catalog {
        packages: vec![Package {
            slug: "driver_pro".into(),
            name: "Driver Pro".into(),
            price_cents: Some(6500),
        }],
        hierarchy: Hierarchy::Nodes(vec![node("acme", None), node("west", Some("acme"))]),
    };
    let json = serde_json::to_value(&catalog).expect("serializes");
    assert_eq!(json["hierarchy"]["kind"], "nodes");
    assert_eq!(json["hierarchy"]["nodes"][1]["parent_custom_id"], "acme");
    assert_eq!(json["packages"][0]["price"], 6500);
    let back: Catalog = serde_json::from_value(json).expect("parses");
    assert_eq!(back, catalog);
}

#[test]
fn empty_node_list_round_trips_and_shows_no_picker() {
    let back: Hierarchy = serde_json::from_str(r#"{"kind":"nodes","nodes":[]}"#).expect("parses");
    assert_eq!(back, Hierarchy::Nodes(Vec::new()));
    let catalog = Catalog {
        packages: Vec::new(),
        hierarchy: back,
    };
    assert!(catalog.picker().is_none());
    assert!(!catalog.node_required());
}

#[test]
fn ten_thousand_node_tree_builds_and_answers_queries() {
    // Ten children per node: ids n0..n9999, parent of n{i} is n{(i-1)/10}.
    let nodes: Vec<Node> = (0..10_000usize)
        .map(|i| {
            let parent = (i > 0).then(|| format!("n{}", (i - 1) / 10));
            node(&format!("n{i}"), parent.as_deref())
        })
        .collect();
    let tree = NodeTree::from(nodes.clone());
    assert_eq!(tree.len(), 10_000);
    assert_eq!(tree.roots().count(), 1);
    let children: Vec<&str> = tree
        .children(Some("n0"))
        .iter()
        .map(|n| n.custom_id.as_str())
        .collect();
    assert_eq!(
        children,
        ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"]
    );
    let path: Vec<&str> = tree
        .path("n9999")
        .iter()
        .map(|n| n.custom_id.as_str())
        .collect();
    assert_eq!(path, ["n0", "n9", "n99", "n999", "n9999"]);
    assert_eq!(
        tree.levels_for(Some("n999")).len(),
        5,
        "four ancestors-or-self plus children"
    );
    assert_eq!(tree.level_label(Some("n999")), "Level 5");
    assert_eq!(
        vectors::walk(&tree, nodes.len()),
        vectors::distinct_ids(&nodes)
    );
}

#[test]
fn ten_thousand_deep_chain_builds_without_recursion() {
    let nodes: Vec<Node> = (0..10_000usize)
        .map(|i| {
            let parent = (i > 0).then(|| format!("c{}", i - 1));
            node(&format!("c{i}"), parent.as_deref())
        })
        .collect();
    let tree = NodeTree::new(&nodes);
    assert_eq!(tree.path("c9999").len(), 10_000);
    assert_eq!(tree.depth("c9999"), Some(9_999));
    assert_eq!(tree.level_label(Some("c9998")), "Level 10000");
}

#[test]
fn ten_thousand_node_ring_breaks_at_smallest_id() {
    // c0 → c9999 → … → c1 → c0 once c0's parent is c9999.
    let nodes: Vec<Node> = (0..10_000usize)
        .map(|i| {
            node(
                &format!("c{i}"),
                Some(&format!("c{}", (i + 9_999) % 10_000)),
            )
        })
        .collect();
    let tree = NodeTree::new(&nodes);
    let roots: Vec<&str> = tree.roots().map(|n| n.custom_id.as_str()).collect();
    assert_eq!(roots, ["c0"]);
    assert_eq!(
        vectors::walk(&tree, nodes.len()),
        vectors::distinct_ids(&nodes)
    );
}

#[test]
fn picker_from_catalog_matches_its_nodes() {
    let catalog = Catalog {
        packages: Vec::new(),
        hierarchy: Hierarchy::Nodes(vec![node("acme", None), node("west", Some("acme"))]),
    };
    let picker = catalog.picker().expect("nodes give a picker");
    assert_eq!(
        picker.parent("west").map(|n| n.custom_id.as_str()),
        Some("acme")
    );
    assert_eq!(picker.parent("acme"), None);
}

fn arbitrary_nodes() -> impl Strategy<Value = Vec<Node>> {
    // Small id alphabet so duplicates, self-parents, cycles and orphans all occur often.
    let id = "[a-h]{1,2}";
    prop::collection::vec(
        (id, prop::option::of(id), prop::option::of("[a-z ]{0,3}")),
        0..60,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(id, parent, tier)| Node {
                custom_id: id.clone(),
                name: id,
                tier,
                parent_custom_id: parent,
                packages: Vec::new(),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn arbitrary_parent_links_keep_every_node_exactly_once(nodes in arbitrary_nodes()) {
        let tree = NodeTree::new(&nodes);
        prop_assert_eq!(vectors::walk(&tree, nodes.len()), vectors::distinct_ids(&nodes));
        for n in tree.nodes() {
            let path = tree.path(&n.custom_id);
            prop_assert!(path.len() <= tree.len());
            prop_assert_eq!(path.last().map(|p| p.custom_id.as_str()), Some(n.custom_id.as_str()));
            prop_assert!(path.first().and_then(|r| tree.parent(&r.custom_id)).is_none(), "path starts at a root");
            let levels = tree.levels_for(Some(&n.custom_id));
            prop_assert!(levels.len() == path.len() || levels.len() == path.len() + 1);
            let _ = tree.level_label(Some(&n.custom_id));
        }
    }

    #[test]
    fn offered_packages_are_never_empty_when_the_catalog_is_not(
        nodes in arbitrary_nodes(),
        pick in prop::option::of("[a-h]{1,2}"),
        assigned in prop::collection::vec("[a-e]", 0..4),
    ) {
        let nodes: Vec<Node> = nodes
            .into_iter()
            .map(|mut n| { n.packages = assigned.clone(); n })
            .collect();
        let catalog = Catalog {
            packages: ["a", "b", "c"]
                .iter()
                .map(|s| Package { slug: (*s).into(), name: (*s).into(), price_cents: None })
                .collect(),
            hierarchy: Hierarchy::Nodes(nodes),
        };
        let offered = catalog.offered_packages(pick.as_deref());
        prop_assert!(!offered.is_empty());
        prop_assert!(offered.windows(2).all(|w| w[0].slug < w[1].slug), "catalog order kept");
    }

    #[test]
    fn any_price_displays_as_dollars_and_cents(cents in any::<u64>()) {
        let shown = Package { slug: "p".into(), name: "P".into(), price_cents: Some(cents) }
            .price_display()
            .expect("a price is shown");
        let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
        let expected = cents.to_string();
        prop_assert_eq!(digits.trim_start_matches('0'), expected.trim_start_matches('0'));
        prop_assert!(shown.starts_with('$'));
        let dot = shown.len() - 3;
        prop_assert_eq!(&shown[dot..dot + 1], ".");
    }
}

#[test]
fn filtering_ignores_case_for_accented_latin_letters_too() {
    let node = |custom_id: &str, name: &str| Node {
        custom_id: custom_id.to_owned(),
        name: name.to_owned(),
        tier: None,
        parent_custom_id: None,
        packages: Vec::new(),
    };
    let nodes = [
        node("zrh", "ZÜRICH OFFICE"),
        node("mtl", "Montréal"),
        node("nyc", "New York"),
    ];
    let options: Vec<&Node> = nodes.iter().collect();
    let names = |query: &str| -> Vec<String> {
        bgcheck::domain::hierarchy::filter_options(&options, query)
            .iter()
            .map(|n| n.custom_id.clone())
            .collect()
    };
    assert_eq!(names("zür"), ["zrh"]);
    assert_eq!(names("MONTRÉ"), ["mtl"]);
    assert_eq!(names("  york "), ["nyc"]);
    assert_eq!(
        names("×"),
        Vec::<String>::new(),
        "the multiplication sign is not a letter to fold"
    );
}
