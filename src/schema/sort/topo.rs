//! pg_dump's `TopoSort` and `findLoop` (`pg_dump_sort.c`) over object
//! indexes: `deps[i]` lists the objects `i` must follow.

use std::collections::BinaryHeap;

/// Orders the objects so that each follows its dependencies, keeping the
/// input order wherever they allow. Like pg_dump, it fills the output from
/// the end, each time taking the last object nothing left depends on.
/// On a loop, returns the objects it could not place, in input order.
pub fn topo_sort(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = deps.len();
    let mut before = vec![0usize; n];
    for d in deps {
        for &k in d {
            before[k] += 1;
        }
    }
    let mut heap: BinaryHeap<usize> = (0..n).filter(|&i| before[i] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(j) = heap.pop() {
        out.push(j);
        for &k in &deps[j] {
            before[k] -= 1;
            if before[k] == 0 {
                heap.push(k);
            }
        }
    }
    if out.len() == n {
        out.reverse();
        Ok(out)
    } else {
        Err((0..n).filter(|&j| before[j] != 0).collect())
    }
}

/// pg_dump's `findLoop`: a dependency path from `start` back to itself
/// through objects not yet `processed`, as the list of its members (each
/// depending on the next, the last on the first). `failed[j] == start + 1`
/// records that no such path goes through `j`.
pub fn find_loop(
    start: usize,
    deps: &[Vec<usize>],
    processed: &[bool],
    failed: &mut [usize],
) -> Option<Vec<usize>> {
    let mark = start + 1;
    let closes = |i: usize| deps[i].contains(&start);
    if processed[start] || failed[start] == mark {
        return None;
    }
    let mut path = vec![start];
    let mut next = vec![0usize];
    if closes(start) {
        return Some(path);
    }
    while let (Some(&top), Some(pos)) = (path.last(), next.last_mut()) {
        let Some(&cand) = deps[top].get(*pos) else {
            failed[top] = mark;
            path.pop();
            next.pop();
            continue;
        };
        *pos += 1;
        if processed[cand] || failed[cand] == mark || path.contains(&cand) {
            continue;
        }
        path.push(cand);
        next.push(0);
        if closes(cand) {
            return Some(path);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_where_free() {
        // 0 depends on 2: 2 moves before 0, 1 stays after 0's slot.
        let deps = vec![vec![2], vec![], vec![]];
        assert_eq!(topo_sort(&deps), Ok(vec![2, 0, 1]));
    }

    #[test]
    fn reports_loop_members() {
        let deps = vec![vec![1], vec![2], vec![0], vec![]];
        let left = topo_sort(&deps).expect_err("a loop");
        assert_eq!(left, vec![0, 1, 2]);
        let mut failed = vec![0; 4];
        let lp = find_loop(0, &deps, &[false; 4], &mut failed);
        assert_eq!(lp, Some(vec![0, 1, 2]));
    }
}
