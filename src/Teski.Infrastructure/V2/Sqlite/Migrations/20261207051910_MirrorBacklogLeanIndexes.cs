using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MirrorBacklogLeanIndexes : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "teski_ix_mirror_backlog_stream_seq",
                table: "teski_mirror_backlog");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_stream_seq",
                table: "teski_mirror_backlog",
                columns: new[] { "stream", "seq" });
        }
    }
}
