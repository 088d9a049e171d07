using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogPendingIndexes : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
