using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogPendingIndexes : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A plain CREATE INDEX in the migration's transaction: CONCURRENTLY would wait for every open snapshot,
            // including a second `db migrate` queued on the migrator's advisory lock, and never finish. Outbox inserts
            // wait while the index is built (a scan of the table's history: about a second per million rows).
            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_pending_seq",
                table: "teski_mirror_backlog",
                column: "seq",
                filter: "applied_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_pending_stream_seq",
                table: "teski_mirror_backlog",
                columns: new[] { "stream", "seq" },
                filter: "applied_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_pending_seq",
                table: "teski_mirror_backlog");

            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_pending_stream_seq",
                table: "teski_mirror_backlog");
        }
    }
}
