//! Packages, account hierarchy nodes, the cascading node picker, and which packages an order may use.

use serde::{Deserialize, Serialize};

/// A package the customer account can order, as listed by `GET /v1/packages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The unique key an invitation names the package by.
    pub slug: String,
    /// The name shown to the user.
    pub name: String,
    /// Price in US cents, when the provider states one.
    #[serde(default, rename = "price")]
    pub price_cents: Option<u64>,
}

impl Package {
    /// The price as US dollars with thousands separators (`6500` → `"$65.00"`), if known.
    pub fn price_display(&self) -> Option<String> {
        self.price_cents.map(format_usd_cents)
    }
}

fn format_usd_cents(cents: u64) -> String {
    let digits = (cents / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// One account hierarchy node, as listed by `GET /v1/nodes?include=packages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The customer's identifier for the node, unique per account; invitations name the node by it.
    pub custom_id: String,
    /// The name shown to the user.
    pub name: String,
    /// What this level of the hierarchy is called (for example "region"); used as the picker label.
    #[serde(default)]
    pub tier: Option<String>,
    /// The parent node's `custom_id`; absent for a top-level node.
    #[serde(default)]
    pub parent_custom_id: Option<String>,
    /// Slugs of the packages available at this node, already including those inherited from ancestors.
    #[serde(default)]
    pub packages: Vec<String>,
}

/// What the proxy learned about the account's hierarchy from `GET /v1/nodes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "nodes", rename_all = "snake_case")]
pub enum Hierarchy {
    /// The account is not enabled for hierarchy (the provider answered 403).
    NotEnabled,
    /// Every node of every page; empty when the account has hierarchy but no nodes.
    Nodes(Vec<Node>),
}

/// Everything needed to choose a package (and node) for an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Every package of the account, in the order the provider listed them.
    pub packages: Vec<Package>,
    /// The account's hierarchy.
    pub hierarchy: Hierarchy,
}

impl Catalog {
    /// The node picker to show, or `None` when the account has no nodes to pick from.
    pub fn picker(&self) -> Option<NodeTree> {
        match &self.hierarchy {
            Hierarchy::NotEnabled => None,
            Hierarchy::Nodes(nodes) if nodes.is_empty() => None,
            Hierarchy::Nodes(nodes) => Some(NodeTree::new(nodes)),
        }
    }

    /// Whether the invitation must name a node: exactly when the account has nodes.
    pub fn node_required(&self) -> bool {
        match &self.hierarchy {
            Hierarchy::NotEnabled => false,
            Hierarchy::Nodes(nodes) => !nodes.is_empty(),
        }
    }

    /// The packages offered for `selected_node`, in the catalog's order.
    ///
    /// Without nodes, with no node chosen yet, for an unknown node, or for a node without
    /// packages: every package. For a node with packages: only those. A node whose slugs all
    /// name packages missing from the catalog also gets every package, because an empty list
    /// would leave the user unable to order at all while the provider still checks the pairing.
    pub fn offered_packages(&self, selected_node: Option<&str>) -> Vec<&Package> {
        let all = || self.packages.iter().collect::<Vec<_>>();
        let nodes = match &self.hierarchy {
            Hierarchy::NotEnabled => return all(),
            Hierarchy::Nodes(nodes) => nodes,
        };
        let Some(selected) = selected_node else {
            return all();
        };
        // First occurrence wins, matching how the picker resolves duplicate ids.
        let Some(node) = nodes.iter().find(|n| n.custom_id == selected) else {
            return all();
        };
        if node.packages.is_empty() {
            return all();
        }
        // A node lists a handful of packages: scanning them beats building a set.
        let offered: Vec<&Package> = self
            .packages
            .iter()
            .filter(|p| node.packages.contains(&p.slug))
            .collect();
        if offered.is_empty() { all() } else { offered }
    }

    /// Whether `package_slug` may be ordered for `selected_node` (see [`Catalog::offered_packages`]).
    pub fn is_offered(&self, selected_node: Option<&str>, package_slug: &str) -> bool {
        self.offered_packages(selected_node)
            .iter()
            .any(|p| p.slug == package_slug)
    }
}

/// One cascading select of the node picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level<'a> {
    /// The select's label: the level's tier, or "Level N".
    pub label: String,
    /// The nodes to choose from, in the provider's order.
    pub options: Vec<&'a Node>,
    /// The `custom_id` chosen at this level, if any.
    pub selected: Option<&'a str>,
}

/// The hierarchy as a forest, repaired so that every node appears exactly once.
///
/// Later nodes repeating a `custom_id` are dropped, nodes whose parent is unknown become roots,
/// and in each parent cycle the member with the smallest `custom_id` becomes a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTree {
    nodes: Vec<Node>,
    index: IdIndex,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    depth: Vec<usize>,
    roots: Vec<usize>,
}

impl From<Vec<Node>> for NodeTree {
    fn from(raw: Vec<Node>) -> Self {
        let (index, keep) = IdIndex::first_occurrences(&raw);
        let nodes: Vec<Node> = raw
            .into_iter()
            .zip(keep)
            .filter_map(|(node, kept)| kept.then_some(node))
            .collect();
        let mut parent: Vec<Option<usize>> = nodes
            .iter()
            .map(|n| {
                n.parent_custom_id
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .and_then(|p| index.get(p))
            })
            .collect();
        break_cycles(&nodes, &mut parent);

        let mut children = vec![Vec::new(); nodes.len()];
        let mut roots = Vec::new();
        for (i, p) in parent.iter().enumerate() {
            match p {
                Some(p) => {
                    if let Some(siblings) = children.get_mut(*p) {
                        siblings.push(i);
                    }
                }
                None => roots.push(i),
            }
        }

        let mut depth = vec![0; nodes.len()];
        let mut stack: Vec<usize> = roots.clone();
        while let Some(i) = stack.pop() {
            let d = depth.get(i).copied().unwrap_or(0) + 1;
            for &c in children.get(i).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(slot) = depth.get_mut(c) {
                    *slot = d;
                }
                stack.push(c);
            }
        }

        NodeTree {
            nodes,
            index,
            parent,
            children,
            depth,
            roots,
        }
    }
}

/// `custom_id` to position in [`NodeTree::nodes`]: pairs sorted by id, searched by halves. A
/// map type would bring its own code into the widget's wasm for what one sort does here.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IdIndex(Vec<(String, usize)>);

impl IdIndex {
    /// Indexes the first node of each id and says, per node, whether it is that first one.
    fn first_occurrences(raw: &[Node]) -> (Self, Vec<bool>) {
        let mut keyed: Vec<(&str, usize)> = raw
            .iter()
            .enumerate()
            .map(|(at, node)| (node.custom_id.as_str(), at))
            .collect();
        // Ties on the id are ordered by position, so each run starts with the first occurrence.
        keyed.sort_unstable();
        let mut keep = vec![false; raw.len()];
        let mut previous = None;
        for &(id, at) in &keyed {
            if previous != Some(id) {
                previous = Some(id);
                if let Some(slot) = keep.get_mut(at) {
                    *slot = true;
                }
            }
        }
        // Where each kept node lands once the duplicates are gone.
        let mut position = vec![0; raw.len()];
        let mut kept = 0;
        for (slot, &is_kept) in position.iter_mut().zip(&keep) {
            *slot = kept;
            kept += usize::from(is_kept);
        }
        let index = keyed
            .into_iter()
            .filter(|&(_, at)| keep.get(at).copied().unwrap_or(false))
            .map(|(id, at)| (id.to_owned(), position.get(at).copied().unwrap_or(0)))
            .collect();
        (Self(index), keep)
    }

    fn get(&self, custom_id: &str) -> Option<usize> {
        let at = self
            .0
            .binary_search_by(|(id, _)| id.as_str().cmp(custom_id))
            .ok()?;
        self.0.get(at).map(|&(_, position)| position)
    }
}

/// Cuts one link in every parent cycle; each node is walked once, so this is linear.
fn break_cycles(nodes: &[Node], parent: &mut [Option<usize>]) {
    #[derive(Clone, Copy)]
    enum Mark {
        Unseen,
        OnPath,
        Done,
    }
    let mut state = vec![Mark::Unseen; nodes.len()];
    let mut path = Vec::new();
    for start in 0..nodes.len() {
        path.clear();
        let mut cur = Some(start);
        while let Some(i) = cur {
            match state.get(i).copied() {
                Some(Mark::Unseen) => {
                    if let Some(s) = state.get_mut(i) {
                        *s = Mark::OnPath;
                    }
                    path.push(i);
                    cur = parent.get(i).copied().flatten();
                }
                Some(Mark::OnPath) => {
                    let from = path.iter().position(|&p| p == i).unwrap_or(0);
                    let cycle = path.get(from..).unwrap_or(&[]);
                    let new_root = cycle
                        .iter()
                        .copied()
                        .min_by(|&a, &b| id_of(nodes, a).cmp(id_of(nodes, b)));
                    if let Some(r) = new_root.and_then(|r| parent.get_mut(r)) {
                        *r = None;
                    }
                    cur = None;
                }
                Some(Mark::Done) | None => cur = None,
            }
        }
        for &i in &path {
            if let Some(s) = state.get_mut(i) {
                *s = Mark::Done;
            }
        }
    }
}

fn id_of(nodes: &[Node], i: usize) -> &str {
    nodes.get(i).map_or("", |n| n.custom_id.as_str())
}

impl NodeTree {
    /// Builds the tree from the provider's node list (see [`NodeTree`] for the repairs made).
    pub fn new(nodes: &[Node]) -> Self {
        Self::from(nodes.to_vec())
    }

    /// Every node kept (duplicates dropped), in the provider's order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// How many nodes the tree holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn at(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    fn idx(&self, custom_id: &str) -> Option<usize> {
        self.index.get(custom_id)
    }

    /// The top-level nodes, in the provider's order.
    pub fn roots(&self) -> impl Iterator<Item = &Node> + '_ {
        self.roots.iter().filter_map(|&i| self.at(i))
    }

    /// The node with this `custom_id`.
    pub fn node(&self, custom_id: &str) -> Option<&Node> {
        self.idx(custom_id).and_then(|i| self.at(i))
    }

    /// The node's parent in the repaired tree (`None` for a root or an unknown id).
    pub fn parent(&self, custom_id: &str) -> Option<&Node> {
        self.idx(custom_id)
            .and_then(|i| self.parent.get(i).copied().flatten())
            .and_then(|p| self.at(p))
    }

    /// The node's depth, 0 for a root.
    pub fn depth(&self, custom_id: &str) -> Option<usize> {
        self.idx(custom_id).and_then(|i| self.depth.get(i).copied())
    }

    /// The children of `custom_id` in the provider's order; `None` gives the roots, an unknown id nothing.
    pub fn children(&self, custom_id: Option<&str>) -> Vec<&Node> {
        let ids: &[usize] = match custom_id {
            None => &self.roots,
            Some(id) => self
                .idx(id)
                .and_then(|i| self.children.get(i))
                .map_or(&[], Vec::as_slice),
        };
        ids.iter().filter_map(|&i| self.at(i)).collect()
    }

    /// The nodes from the root down to `custom_id` inclusive; empty for an unknown id.
    pub fn path(&self, custom_id: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut cur = self.idx(custom_id);
        while let Some(i) = cur {
            // The repaired tree has no cycles; the bound only guards against a broken invariant.
            if out.len() > self.nodes.len() {
                break;
            }
            if let Some(n) = self.at(i) {
                out.push(n);
            }
            cur = self.parent.get(i).copied().flatten();
        }
        out.reverse();
        out
    }

    /// The label of the select listing the children of `parent` (`None` = the roots).
    ///
    /// The first non-blank tier among those children, else "Level N" where N counts from 1 at
    /// the roots. An unknown parent is treated as the top of the tree.
    pub fn level_label(&self, parent: Option<&str>) -> String {
        let tier = self
            .children(parent)
            .into_iter()
            .filter_map(|n| n.tier.as_deref())
            .map(str::trim)
            .find(|t| !t.is_empty());
        match tier {
            Some(t) => t.to_owned(),
            None => {
                let level = parent.and_then(|p| self.depth(p)).map_or(1, |d| d + 2);
                format!("Level {level}")
            }
        }
    }

    /// The cascading selects to show for `selected`: one per node on its path (with that node
    /// chosen), then one for its children if it has any. With nothing (or an unknown id)
    /// selected, just the roots.
    pub fn levels_for(&self, selected: Option<&str>) -> Vec<Level<'_>> {
        let path = selected.map(|s| self.path(s)).unwrap_or_default();
        let mut levels = Vec::with_capacity(path.len() + 1);
        let mut parent: Option<&str> = None;
        for node in &path {
            levels.push(Level {
                label: self.level_label(parent),
                options: self.children(parent),
                selected: Some(node.custom_id.as_str()),
            });
            parent = Some(node.custom_id.as_str());
        }
        let next = self.children(parent);
        if !next.is_empty() {
            levels.push(Level {
                label: self.level_label(parent),
                options: next,
                selected: None,
            });
        }
        levels
    }
}

/// The options whose name or `custom_id` contains `query`, ignoring case; a blank query keeps all.
pub fn filter_options<'a>(options: &[&'a Node], query: &str) -> Vec<&'a Node> {
    let needle = fold_case(query.trim());
    if needle.is_empty() {
        return options.to_vec();
    }
    options
        .iter()
        .copied()
        .filter(|n| {
            fold_case(&n.name).contains(&needle) || fold_case(&n.custom_id).contains(&needle)
        })
        .collect()
}

/// Lower-cases ASCII and the Latin-1 capitals À–Þ (the letters Checkr accepts in names) by
/// hand: `str::to_lowercase` would pull Unicode's case tables, about 15 KB, into the widget.
fn fold_case(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'À'..='Þ' if c != '×' => char::from_u32(u32::from(c) + 32).unwrap_or(c),
            other => other,
        })
        .collect()
}
