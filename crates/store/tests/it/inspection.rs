//! Linkage integrity (issue 8): link states, suspensions, notices and the
//! access audit; each case runs against every backend from `stores`.

use super::*;
use onshi_store::LinkState;

#[tokio::test]
async fn a_new_link_is_active_and_an_unlinked_member_has_no_state() {
    for store in stores("link_state").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        store
            .upsert_members(vec![member("100", 0, Some(my_number(1))), member("200", 0, None)])
            .await
            .expect("members");
        let linked = store.member_by_key(&member("100", 0, None).key).await.expect("read").expect("present");
        assert_eq!(linked.link_state, Some(LinkState::Active), "{name}");
        let unlinked = store.member_by_key(&member("200", 0, None).key).await.expect("read").expect("present");
        assert_eq!((unlinked.person_id, unlinked.link_state), (None, None), "{name}");
    }
}
