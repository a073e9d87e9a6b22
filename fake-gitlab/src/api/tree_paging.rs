//! The pages of `GET /repository/tree`, as each release pages it (`TreePaging`): offset pages
//! throughout, or a first page from Gitaly with headers that imitate offset pagination
//! (lib/gitlab/pagination/gitaly_keyset_pager.rb `paginate_first_page_via_gitaly`, headers by
//! lib/gitlab/pagination/offset_header_builder.rb) and offset pages after it.

use crate::pagination::{paginate, LinkBase, PageRequest};
use crate::params::Params;
use crate::version::TreePaging;

/// Kaminari's `default_per_page`.
const DEFAULT_PER_PAGE: usize = 20;

/// Whether the request asks for page 1 (`params[:page].blank? || params[:page].to_i == 1`).
fn first_page(params: &Params) -> bool {
    params.get("page").map(str::trim).is_none_or(|p| p.is_empty() || p.parse::<i64>() == Ok(1))
}

/// One page of `items` and its headers.
pub(super) fn page<T>(
    items: Vec<T>,
    paging: TreePaging,
    params: &Params,
    link: &LinkBase<'_>,
    max_counted_total: usize,
) -> (Vec<T>, Vec<(String, String)>) {
    let counted = match paging {
        TreePaging::FirstPageAlwaysNext => false,
        TreePaging::FirstPageCounted => true,
        TreePaging::Plain | TreePaging::Offset => {
            return paginate(items, PageRequest::from_params(params), link, max_counted_total)
        }
    };
    if !first_page(params) {
        return paginate(items, PageRequest::from_params(params), link, max_counted_total);
    }
    // Gitaly is asked for `per_page` entries as given: no cap at 100 on this page.
    let per_page = params.get("per_page").and_then(|v| v.trim().parse().ok()).filter(|&n: &usize| n > 0);
    let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
    let total = items.len();
    let (total_pages, next) = if counted {
        let pages = total.div_ceil(per_page);
        (pages, (pages > 1).then_some(2))
    } else {
        (total / per_page + 1, Some(2))
    };
    let mut links = Vec::new();
    if let Some(n) = next {
        links.push(format!("<{}>; rel=\"next\"", link.href(n, per_page)));
    }
    links.push(format!("<{}>; rel=\"first\"", link.href(1, per_page)));
    links.push(format!("<{}>; rel=\"last\"", link.href(total_pages, per_page)));
    let headers = [
        ("X-Per-Page", per_page.to_string()),
        ("X-Page", "1".to_string()),
        ("X-Next-Page", next.map(|n| n.to_string()).unwrap_or_default()),
        ("X-Prev-Page", String::new()),
        ("Link", links.join(", ")),
        ("X-Total", total.to_string()),
        ("X-Total-Pages", total_pages.to_string()),
    ];
    let headers = headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    (items.into_iter().take(per_page).collect(), headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
        h.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn run(paging: TreePaging, query: &str, n: usize) -> (Vec<usize>, Vec<(String, String)>) {
        let q = Params::from_query(query);
        let link = LinkBase { base_url: "http://h", path: "/t", query: &q };
        page((0..n).collect(), paging, &q, &link, 10_000)
    }

    #[test]
    fn a_single_page_announces_a_second_from_17_1() {
        let (items, h) = run(TreePaging::FirstPageAlwaysNext, "", 3);
        assert_eq!(items, [0, 1, 2]);
        assert_eq!((header(&h, "X-Next-Page"), header(&h, "X-Total-Pages")), ("2", "1"));
        assert!(header(&h, "Link").contains("page=2&per_page=20>; rel=\"next\""));
        // 40 entries in pages of 20: integer division plus one.
        let (_, h) = run(TreePaging::FirstPageAlwaysNext, "per_page=20", 40);
        assert_eq!(header(&h, "X-Total-Pages"), "3");
        let (_, h) = run(TreePaging::FirstPageCounted, "page=1", 3);
        assert_eq!((header(&h, "X-Next-Page"), header(&h, "X-Total-Pages")), ("", "1"));
        let (_, h) = run(TreePaging::Offset, "", 3);
        assert_eq!(header(&h, "X-Next-Page"), "");
    }

    #[test]
    fn the_first_page_is_not_capped_and_later_pages_are_offset_pages() {
        let (items, h) = run(TreePaging::FirstPageCounted, "per_page=150", 160);
        assert_eq!((items.len(), header(&h, "X-Per-Page")), (150, "150"));
        let (items, h) = run(TreePaging::FirstPageAlwaysNext, "page=2&per_page=2", 3);
        assert_eq!((items, header(&h, "X-Next-Page")), (vec![2], ""));
    }
}
