//! Issue 12's task API, ported by renaming: one program text (`task_program!`) that uses
//! `JoinSet`, `LocalSet`/`spawn_local`, `task_local!`, `block_in_place`, task ids and the coop
//! API, compiled once against tokio and once against corium; both must report the same
//! transcript.

macro_rules! task_program {
    ($rt:ident) => {
        use std::rc::Rc;
        use $rt::runtime::Builder;
        use $rt::task::{self, JoinSet, LocalSet};

        $rt::task_local! {
            static REQUEST: u32;
        }

        pub fn run() -> Vec<String> {
            let mut out = Vec::new();
            let rt = Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let (sum, ids_match, blocked) = rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..20u32 {
                    set.spawn(REQUEST.scope(i, async move {
                        task::yield_now().await;
                        (REQUEST.get(), task::id())
                    }));
                }
                let mut sum = 0;
                let mut ids_match = true;
                while let Some(res) = set.join_next_with_id().await {
                    let (id, (value, seen_id)) = res.unwrap();
                    sum += value;
                    ids_match &= id == seen_id;
                }
                let blocked = $rt::spawn(async { task::block_in_place(|| 7) })
                    .await
                    .unwrap();
                (sum, ids_match, blocked)
            });
            out.push(format!(
                "join_set sum {sum}, ids match {ids_match}, block_in_place {blocked}"
            ));

            let ct = Builder::new_current_thread().enable_all().build().unwrap();
            let local = LocalSet::new();
            let shared = Rc::new(5);
            let local_out = local.block_on(&ct, async move {
                let s = shared.clone();
                let a = task::spawn_local(async move { *s + 1 }).await.unwrap();
                let mut set = JoinSet::new();
                let s = shared.clone();
                set.spawn_local(async move { *s * 2 });
                let b = set.join_next().await.unwrap().unwrap();
                task::consume_budget().await;
                let unconstrained = task::unconstrained(async {
                    for _ in 0..1000 {
                        task::consume_budget().await;
                    }
                    task::coop::has_budget_remaining()
                })
                .await;
                (a, b, unconstrained)
            });
            out.push(format!("local {local_out:?}"));
            out.push(format!(
                "outside: try_id {:?}, value {:?}",
                task::try_id(),
                REQUEST.try_with(|v| *v).ok()
            ));
            out
        }
    };
}

mod on_tokio {
    task_program!(tokio);
}

mod on_corium {
    task_program!(corium);
}

#[test]
fn the_task_program_behaves_the_same_on_both() {
    let tokio = on_tokio::run();
    let corium = on_corium::run();
    assert_eq!(corium, tokio);
    assert_eq!(
        corium[0],
        "join_set sum 190, ids match true, block_in_place 7"
    );
}
