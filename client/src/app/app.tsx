// Placeholder landing page until the rider and driver apps exist.
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Hail</h1>
      <nav>
        <ul>
          <li>
            <a href="/rider/">Rider app</a>
          </li>
          <li>
            <a href="/driver/">Driver app</a>
          </li>
        </ul>
      </nav>
    </main>
  );
}
