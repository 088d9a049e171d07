using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogAppliedIndex : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The applied history's index, read by the prune (MirrorRetention). IF NOT EXISTS: on an outbox that already
            // holds millions of applied rows, an operator can build it beforehand with CREATE INDEX CONCURRENTLY (the
            // runbook), and this step is then a no-op instead of holding off the outbox's inserts while it reads them.
            // Not CONCURRENTLY here: it cannot run in the migration's transaction, and it would wait for a second
            // instance's migrator, itself waiting for this one's advisory lock.
            migrationBuilder.Sql(
                "CREATE INDEX IF NOT EXISTS teski_ix_mirror_backlog_applied_at ON teski_mirror_backlog (applied_at) WHERE applied_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_applied_at",
                table: "teski_mirror_backlog");
        }
    }
}
