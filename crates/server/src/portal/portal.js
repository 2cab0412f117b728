// The sign-in page of the portal: ask the platform every 2 seconds whether
// the app approved, and continue on its own.
(function () {
  var status = document.getElementById('status');
  if (!status || !status.dataset.poll) { return; }
  function poll() {
    fetch(status.dataset.poll, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status === 'waiting') { setTimeout(poll, 2000); return; }
        if (s.status === 'signed_in') { status.textContent = '承認されました。表示しています…'; }
        window.location.replace('/portal/');
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
