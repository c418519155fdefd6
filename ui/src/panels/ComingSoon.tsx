/** A plain placeholder for tabs whose features are still being built. */
export function ComingSoon({ title, what, who }: { title: string; what: string; who: string }) {
  return (
    <section className="coming" data-testid="coming-soon">
      <h2>{title}</h2>
      <p>{what}</p>
      <p className="coming-note">This page is coming with {who}. Until then, use the Live tab to watch and move the robot.</p>
    </section>
  );
}
