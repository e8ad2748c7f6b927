// The landing page: where to go.
export function App() {
  return (
    <main className="landing">
      <h1>Hail</h1>
      <p>Realtime ride-hailing. Pick your app:</p>
      <nav aria-label="Apps">
        <ul className="landing__apps">
          <li>
            <a className="landing__app" href="/rider/">
              Rider app
            </a>
            <span className="muted">request a ride and follow your driver live</span>
          </li>
          <li>
            <a className="landing__app" href="/driver/">
              Driver app
            </a>
            <span className="muted">go online, take offers and drive</span>
          </li>
          <li>
            <a className="landing__app" href="/monitor/">
              Monitor
            </a>
            <span className="muted">for admins: nodes, dispatches, background tasks and the fleet, live</span>
          </li>
        </ul>
      </nav>
    </main>
  );
}
